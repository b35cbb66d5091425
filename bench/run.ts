// `npm run bench`: runs every benchmark against an in-memory DynamoDB Local
// and writes the results, with the machine and versions, to BENCHMARKS.md.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { ensureTables, freePort, localClient, startDynamoDbLocal } from "../scripts/local-dynamodb.mjs";
import { createRequire } from "node:module";
import type { Server } from "node:http";
import { startLambdaSink } from "../test/helpers/lambda-sink.js";
import { ensureLocalKeys } from "../scripts/key-files.js";
import { root } from "./bundle.js";

export interface Section {
  title: string;
  lines: string[];
  goals: { text: string; met: boolean; value: string }[];
}

const SECTIONS = ["verify", "cold-start", "handler-stack", "signin", "mfa", "passkeys", "forgot-password", "oidc", "providers", "import", "bundle-sizes", "cost"];

/**
 * Each section runs in its own process with stdout discarded: the handlers'
 * log lines are part of what is measured (pino writes them to fd 1), but
 * must not flood the terminal. Results come back as JSON on fd 3.
 */
function runSection(name: string, env: NodeJS.ProcessEnv): Promise<Section> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--import", join(root, "bench/text-files.mjs"), join(root, "bench/section.ts"), name], {
      env,
      stdio: ["ignore", "ignore", "inherit", "pipe"],
    });
    let output = "";
    child.stdio[3]!.on("data", (chunk) => (output += chunk));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(output)) : reject(new Error(`bench section ${name} failed (${code})`))));
  });
}

/**
 * DynamoDB Local is a Java program: for its first thousand or so requests the
 * JIT has not compiled it and it answers 5-10x slower than when warm (or than
 * DynamoDB itself). Warm it with the operations the API uses before measuring.
 */
async function warmUp(endpoint: string) {
  const client = localClient(endpoint);
  const table = "auth-api-bench-sessions";
  for (let i = 0; i < 1500; i++) {
    const pk = { S: `WARMUP#${i}` };
    await client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: table, Item: { pk, n: { N: "1" } } } }] }));
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `WARMUP#${i}#b` } } }));
    // The authorizer's session read, projection included.
    await client.send(new GetItemCommand({ TableName: table, Key: { pk }, ProjectionExpression: "expiresAt, revokedAt", ConsistentRead: true }));
  }
  client.destroy();
}

/** `npm run bench -- cold-start signin` runs only those sections and leaves BENCHMARKS.md alone. */
async function main(only: string[]) {
  const unknown = only.filter((name) => !SECTIONS.includes(name));
  if (unknown.length > 0) throw new Error(`unknown bench section ${unknown.join(", ")}; known: ${SECTIONS.join(", ")}`);
  const dynamodb = await startDynamoDbLocal({ dataDir: null });
  const secretDir = mkdtempSync(join(tmpdir(), "auth-bench-"));
  // Mail: queued jobs go to a stand-in for Lambda's invoke API, sent email to the local SES engine.
  const lambda = await startLambdaSink();
  const mailPort = await freePort();
  const startSes = createRequire(import.meta.url)("aws-ses-v2-local").default as (c: { host: string; port: number }) => Promise<Server>;
  const ses = await startSes({ host: "127.0.0.1", port: mailPort });
  try {
    await ensureTables(dynamodb.endpoint, "bench");
    process.stderr.write("bench: warming DynamoDB Local...\n");
    await warmUp(dynamodb.endpoint);
    const { signingKeysFile, publicKeysFile } = ensureLocalKeys(secretDir);
    // The server secret: refresh derives its rotation key from it (lib/platform/server-secret.ts).
    const serverSecretFile = join(secretDir, "server-secret");
    writeFileSync(serverSecretFile, randomBytes(48).toString("base64url"));
    const env = {
      ...process.env,
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      USERS_TABLE: "auth-api-bench-users",
      SESSIONS_TABLE: "auth-api-bench-sessions",
      EVENTS_TABLE: "auth-api-bench-events",
      SIGNING_KEYS_FILE: signingKeysFile,
      PUBLIC_KEYS_FILE: publicKeysFile,
      SERVER_SECRET_FILE: serverSecretFile,
      BCRYPT_COST: process.env.BCRYPT_COST ?? "12", // the deployed default (serverless.yml params)
      LOG_LEVEL: "info",
      LAMBDA_ENDPOINT: lambda.url,
      SES_ENDPOINT: `http://127.0.0.1:${mailPort}`,
      // The forgot-password section sends the mailer one address many times: no limit in the way.
      EMAIL_LIMIT_PER_MINUTE: "1000000",
      EMAIL_LIMIT_PER_HOUR: "1000000",
    };
    const sections: Section[] = [];
    for (const name of only.length > 0 ? only : SECTIONS) {
      process.stderr.write(`bench: ${name}...\n`);
      const section = await runSection(name, env);
      sections.push(section);
      process.stderr.write(`${section.lines.join("\n")}\n\n`);
    }

    if (only.length > 0) return;
    const pkg = (name: string) => JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;
    const goals = sections.flatMap((s) => s.goals);
    const report = [
      "# Benchmarks",
      "",
      "Written by `npm run bench`. Every figure is a ratio against a baseline measured in the same run:",
      "the machines are shared and noisy, so absolute times are context, not results.",
      "",
      `Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${process.platform}/${process.arch}.`,
      `Versions: Node ${process.version}, jsonwebtoken ${pkg("jsonwebtoken")}, bcryptjs ${pkg("bcryptjs")}, @middy/core ${pkg("@middy/core")}, pino ${pkg("pino")},`,
      `aws4 ${pkg("aws4")}, @aws-sdk/client-dynamodb ${pkg("@aws-sdk/client-dynamodb")}, esbuild ${pkg("esbuild")}, express ${pkg("express")}. Run ${new Date().toISOString().slice(0, 16)}Z.`,
      "",
      "## Goals",
      "",
      "| goal | result | met |",
      "|---|---:|:-:|",
      ...goals.map((g) => `| ${g.text} | ${g.value} | ${g.met ? "yes" : "**no**"} |`),
      "",
      ...sections.flatMap((s) => [`## ${s.title}`, "", ...s.lines, ""]),
    ].join("\n");
    writeFileSync(join(root, "BENCHMARKS.md"), report);
    process.stderr.write(`bench: wrote BENCHMARKS.md (${goals.filter((g) => g.met).length}/${goals.length} goals met)\n`);
  } finally {
    await lambda.stop();
    await new Promise((resolve) => ses.close(resolve));
    await dynamodb.stop();
    rmSync(secretDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
