// Starts one in-memory DynamoDB Local for the integration tests, with the
// tables of resources/tables.yml, and hands its endpoint to the test files.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { ensureLocalKeys } from "../../scripts/key-files.js";
import { ensureTables, startDynamoDbLocal } from "../../scripts/local-dynamodb.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    signingKeysFile: string;
    publicKeysFile: string;
    serverSecretFile: string;
  }
}

export default async function setup(project: TestProject) {
  const dynamodb = await startDynamoDbLocal({ dataDir: null });
  await ensureTables(dynamodb.endpoint, "test");
  const secretDir = mkdtempSync(join(tmpdir(), "auth-test-"));
  const { signingKeysFile, publicKeysFile } = ensureLocalKeys(secretDir);
  const serverSecretFile = join(secretDir, "server-secret");
  writeFileSync(serverSecretFile, randomBytes(48).toString("base64url"));
  project.provide("dynamodbEndpoint", dynamodb.endpoint);
  project.provide("signingKeysFile", signingKeysFile);
  project.provide("publicKeysFile", publicKeysFile);
  project.provide("serverSecretFile", serverSecretFile);
  return async () => {
    await dynamodb.stop();
    rmSync(secretDir, { recursive: true, force: true });
  };
}
