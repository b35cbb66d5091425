// Starts one in-memory DynamoDB Local for the integration tests, with the
// tables of resources/tables.yml, and hands its endpoint to the test files.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { createRequire } from "node:module";
import type { Server } from "node:http";
import { ensureTables, freePort, startDynamoDbLocal } from "../../scripts/local-dynamodb.mjs";
import { startLambdaSink } from "./lambda-sink.js";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    jwtSecretFile: string;
    serverSecretFile: string;
    /** The local SES engine (aws-ses-v2-local) the in-process mailer sends to. */
    mailUrl: string;
    /** Takes the mail jobs that handlers queue (lambda-sink.ts). */
    lambdaUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const dynamodb = await startDynamoDbLocal({ dataDir: null });
  await ensureTables(dynamodb.endpoint, "test");
  const secretDir = mkdtempSync(join(tmpdir(), "auth-test-"));
  const secretFile = join(secretDir, "jwt-secret");
  writeFileSync(secretFile, randomBytes(48).toString("base64url"));
  const serverSecretFile = join(secretDir, "server-secret");
  writeFileSync(serverSecretFile, randomBytes(48).toString("base64url"));
  project.provide("dynamodbEndpoint", dynamodb.endpoint);
  project.provide("jwtSecretFile", secretFile);
  project.provide("serverSecretFile", serverSecretFile);
  const mailPort = await freePort();
  const startSes = createRequire(import.meta.url)("aws-ses-v2-local").default as (c: { host: string; port: number }) => Promise<Server>;
  const ses = await startSes({ host: "127.0.0.1", port: mailPort });
  project.provide("mailUrl", `http://127.0.0.1:${mailPort}`);
  const lambda = await startLambdaSink();
  project.provide("lambdaUrl", lambda.url);
  return async () => {
    await new Promise((resolve) => ses.close(resolve));
    await lambda.stop();
    await dynamodb.stop();
    rmSync(secretDir, { recursive: true, force: true });
  };
}
