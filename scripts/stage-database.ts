// The database of a stage for operator scripts: with --stage local (the
// default) the one `npm start` uses (the running one, or DynamoDB Local
// started on the same data folder), else the deployed stage's tables with your
// AWS credentials. Sets the environment lib/config reads: import lib/ after it.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { answers, startDynamoDbLocal } from "./local-dynamodb.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Points lib/config at the stage's tables; returns a function that stops what it started. */
export async function openStageDatabase(stage: string, region?: string): Promise<() => Promise<void>> {
  process.env.USERS_TABLE = `auth-api-${stage}-users`;
  process.env.SESSIONS_TABLE = `auth-api-${stage}-sessions`;
  process.env.EVENTS_TABLE = `auth-api-${stage}-events`;
  if (region) process.env.AWS_REGION = region;
  if (stage !== "local") return async () => undefined;
  const dataDir = resolve(root, process.env.AUTH_DATA_DIR || ".data");
  const endpointFile = resolve(dataDir, "dynamodb-endpoint");
  const running = existsSync(endpointFile) ? readFileSync(endpointFile, "utf8").trim() : undefined;
  // The file of a killed `npm start` may be stale: use it only if the database answers.
  if (running && (await answers(running))) {
    process.env.DYNAMODB_ENDPOINT = running;
    return async () => undefined;
  }
  const local = await startDynamoDbLocal({ dataDir: resolve(dataDir, "dynamodb") });
  process.env.DYNAMODB_ENDPOINT = local.endpoint;
  return local.stop;
}

/** Runs an operator script's main: exit 0 when it is done, else its message (never a stack) and exit 1. */
export function runScript(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
