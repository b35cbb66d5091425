// `npm start`: DynamoDB Local with data on disk, the tables, then serverless
// offline on PORT (default 3000). Ctrl-C stops everything.
//
// Environment: PORT, CORS_ORIGINS, AUTH_DATA_DIR (default .data),
// DYNAMODB_ENDPOINT (use a DynamoDB you run yourself instead of starting one),
// APP_URL (where the example web app is served, default http://localhost:4040),
// MAIL_PORT (default 8005: the local SES engine every email lands in),
// ISSUER_URL (default http://localhost:PORT), JWKS_MAX_AGE_SECONDS (default 30).
//
// For one developer's machine: every service it starts (DynamoDB Local, the
// local SES engine, the web app, serverless offline and its Lambda port)
// listens on 127.0.0.1 only, since none of them asks for credentials.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";
import { createRequire } from "node:module";
import { ensureTables, freePort, startDynamoDbLocal } from "./local-dynamodb.mjs";
import { startWebServer } from "./web-server.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const STAGE = "local";
const port = process.env.PORT || "3000";
const appUrl = process.env.APP_URL || "http://localhost:4040";
const dataDir = resolve(root, process.env.AUTH_DATA_DIR || ".data");
const mailPort = Number(process.env.MAIL_PORT || "8005");

/**
 * The local Amazon SES engine (aws-ses-v2-local): the real SESv2 SendEmail API
 * on loopback, an inbox page at / and JSON at GET /store. Emails live in memory.
 */
async function startLocalSes(port) {
  const startServer = createRequire(import.meta.url)("aws-ses-v2-local").default;
  const server = await startServer({ host: "127.0.0.1", port });
  return {
    url: `http://localhost:${port}`,
    stop: () => new Promise((done) => server.close(() => done())),
  };
}

function log(message) {
  console.log(`[start] ${message}`);
}

async function main() {
  mkdirSync(dataDir, { recursive: true });
  // The token signing keys: the first one made on first start, kept with the data so tokens
  // survive a restart; `npm run rotate-keys` rotates them (scripts/key-files.ts, TypeScript via tsx).
  const keys = await tsImport("./key-files.ts", import.meta.url);
  const { signingKeysFile, publicKeysFile } = keys.ensureLocalKeys(dataDir);
  // The server secret (refresh-token rotation, list cursors): generated once, kept with the data.
  const serverSecretFile = resolve(dataDir, "server-secret");
  if (!existsSync(serverSecretFile)) writeFileSync(serverSecretFile, randomBytes(48).toString("base64url"), { mode: 0o600 });

  let dynamodb;
  let endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) {
    dynamodb = await startDynamoDbLocal({ dataDir: resolve(dataDir, "dynamodb") });
    endpoint = dynamodb.endpoint;
    log(`DynamoDB Local on ${endpoint}, data in ${resolve(dataDir, "dynamodb")}`);
  }
  await ensureTables(endpoint, STAGE);
  // The example web app is the public OAuth client `web`, its redirect URI at APP_URL/callback.
  await (await tsImport("./web-client.ts", import.meta.url)).registerWebClient({ endpoint, stage: STAGE, appUrl });
  const ses = await startLocalSes(mailPort).catch((error) => {
    throw new Error(`could not start the local SES engine on MAIL_PORT ${mailPort}: ${error.message}`);
  });
  log(`local SES engine on ${ses.url}: every email sent lands in its inbox, ${ses.url}/ (JSON: ${ses.url}/store)`);
  const lambdaPort = process.env.OFFLINE_LAMBDA_PORT || String(await freePort());
  // Tells `npm run grant-role` where the running database is.
  const endpointFile = resolve(dataDir, "dynamodb-endpoint");
  writeFileSync(endpointFile, endpoint);

  // The example web app (web/), talking to this API; the API must allow its origin (CORS).
  const web = await startWebServer({ appUrl, apiUrl: `http://localhost:${port}` });

  const offline = spawn(
    process.execPath,
    // --host: offline's HTTP and Lambda ports on 127.0.0.1, not whatever "localhost" resolves to first.
    [resolve(root, "node_modules/serverless/bin/serverless.js"), "offline", "start", "--stage", STAGE, "--host", "127.0.0.1"],
    {
      cwd: root,
      env: {
        ...process.env,
        PORT: port,
        DYNAMODB_ENDPOINT: endpoint,
        SIGNING_KEYS_FILE: signingKeysFile,
        PUBLIC_KEYS_FILE: publicKeysFile,
        ISSUER_URL: process.env.ISSUER_URL || `http://localhost:${port}`,
        JWKS_MAX_AGE_SECONDS: process.env.JWKS_MAX_AGE_SECONDS || String(keys.LOCAL_JWKS_MAX_AGE_SECONDS),
        SERVER_SECRET_FILE: serverSecretFile,
        OFFLINE_LAMBDA_PORT: lambdaPort,
        // The functions send email to the local SES engine and queue mail jobs on offline's Lambda port.
        SES_ENDPOINT: `http://127.0.0.1:${mailPort}`,
        LAMBDA_ENDPOINT: `http://127.0.0.1:${lambdaPort}`,
        SLS_TELEMETRY_DISABLED: "1",
        APP_URL: appUrl,
        CORS_ORIGINS: process.env.CORS_ORIGINS || new URL(appUrl).origin,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );

  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    try {
      process.kill(-offline.pid, "SIGTERM");
    } catch {
      // already gone
    }
    rmSync(endpointFile, { force: true });
    web.close();
    await ses.stop();
    await dynamodb?.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));

  let ready = false;
  const relay = (stream, out) => {
    let buffered = "";
    stream.on("data", (chunk) => {
      out.write(chunk);
      buffered += chunk;
      if (!ready && /Server ready:/.test(buffered)) {
        ready = true;
        console.log(`\nAuth API ready at http://localhost:${port}\nWeb app at ${appUrl}\nEmails: ${ses.url}/\n`);
      }
      if (buffered.length > 10_000) buffered = buffered.slice(-1000);
    });
  };
  relay(offline.stdout, process.stdout);
  relay(offline.stderr, process.stderr);
  offline.on("exit", (code) => {
    if (!stopping) {
      console.error(`[start] serverless offline exited (${code ?? "signal"})`);
      stop(code || 1);
    }
  });
}

main().catch((error) => {
  console.error(`[start] ${error.message}`);
  process.exit(1);
});
