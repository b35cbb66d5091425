// One benchmark section, run by bench/run.ts in its own process (stdout discarded).
// Writes the section's result as JSON to fd 3.
import { createWriteStream } from "node:fs";
import type { Section } from "./run.js";

const PASSWORD = "correct horse battery staple";

async function main(name: string): Promise<Section> {
  // Cost meters every DynamoDB call: it must point lib/ at its meter before lib/ is first imported.
  if (name === "cost") return (await import("./cost.js")).run(process.env.DYNAMODB_ENDPOINT!);
  // The providers section names its provider in AUTH_PROVIDERS, which lib/ reads once: before lib/ is imported too.
  if (name === "providers") return (await import("./providers.js")).run();
  // A user with a live session, for the sections that need real tokens.
  const { signup } = await import("../lib/accounts/signup.js");
  const email = `bench-${name}-${Date.now()}@example.com`;
  const session = await signup({ email, password: PASSWORD });
  switch (name) {
    case "verify":
      return (await import("./verify.js")).run(session.accessToken);
    case "cold-start":
      return (await import("./cold-start.js")).run(session.accessToken);
    case "handler-stack":
      return (await import("./handler-stack.js")).run();
    case "signin":
      return (await import("./signin.js")).run(email, PASSWORD);
    case "mfa":
      return (await import("./mfa.js")).run(PASSWORD);
    case "passkeys":
      return (await import("./passkeys.js")).run(email, PASSWORD);
    case "forgot-password":
      return (await import("./forgot-password.js")).run(email);
    case "oidc":
      return (await import("./oidc.js")).run(session);
    case "import":
      return (await import("./import.js")).run();
    case "bundle-sizes":
      return (await import("./bundle-sizes.js")).run();
    default:
      throw new Error(`unknown bench section ${name}`);
  }
}

main(process.argv[2]!).then(
  (section) => createWriteStream("", { fd: 3 }).end(JSON.stringify(section), () => process.exit(0)),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
