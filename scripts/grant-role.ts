// npm run grant-role -- [--stage <stage>] <email> <role>
//
// Adds a role to an existing user. Without --stage (or with --stage local) it
// works on the database of `npm start`: the running one if there is one, else
// it starts DynamoDB Local on the same data folder. With another stage it uses
// your AWS credentials and region (AWS_REGION or --region) on that stage's table.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { answers, startDynamoDbLocal } from "./local-dynamodb.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const usage = "usage: npm run grant-role -- [--stage <stage>] [--region <region>] <email> <role>";

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { stage: { type: "string", default: "local" }, region: { type: "string" } },
  });
  const [email, role] = positionals;
  if (!email || !role || positionals.length !== 2) throw new Error(usage);

  const stage = values.stage!;
  process.env.USERS_TABLE = `auth-api-${stage}-users`;
  process.env.SESSIONS_TABLE = `auth-api-${stage}-sessions`;
  process.env.EVENTS_TABLE = `auth-api-${stage}-events`;
  if (values.region) process.env.AWS_REGION = values.region;

  let stopLocal: (() => Promise<void>) | undefined;
  if (stage === "local") {
    const dataDir = resolve(root, process.env.AUTH_DATA_DIR || ".data");
    const endpointFile = resolve(dataDir, "dynamodb-endpoint");
    const running = existsSync(endpointFile) ? readFileSync(endpointFile, "utf8").trim() : undefined;
    // The file of a killed `npm start` may be stale: use it only if the database answers.
    if (running && (await answers(running))) {
      process.env.DYNAMODB_ENDPOINT = running;
    } else {
      const local = await startDynamoDbLocal({ dataDir: resolve(dataDir, "dynamodb") });
      process.env.DYNAMODB_ENDPOINT = local.endpoint;
      stopLocal = local.stop;
    }
  }

  // Imported after the environment is set: lib/config reads it once.
  const { isRole, ROLES } = await import("../lib/roles.js");
  const store = await import("../lib/store.js");
  const { normalizeEmail } = await import("../lib/users.js");
  try {
    if (!isRole(role)) throw new Error(`role must be one of ${ROLES.join(", ")}`);
    const user = await store.findUserByEmail(normalizeEmail(email));
    if (!user) throw new Error(`no user with email ${normalizeEmail(email)} in stage ${stage}`);
    const roles = [...new Set([...user.roles, role])];
    const { writeRolesByOperator } = await import("../lib/account-store.js");
    await writeRolesByOperator(user.userId, roles, { userId: user.userId, type: "roles_changed", at: Date.now() });
    console.log(`${user.email} now has roles: ${roles.join(", ")}`);
  } finally {
    await stopLocal?.();
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
