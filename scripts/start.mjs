// `npm start`: DynamoDB Local with data on disk, the tables, then serverless
// offline on PORT (default 3000). Ctrl-C stops everything.
//
// Environment: PORT, CORS_ORIGINS, AUTH_DATA_DIR (default .data),
// DYNAMODB_ENDPOINT (use a DynamoDB you run yourself instead of starting one),
// APP_URL (where the example web app is served, default http://localhost:4040),
// MAIL_PORT (default 8005: the local SES engine every email lands in),
// ISSUER_URL (default http://localhost:PORT), JWKS_MAX_AGE_SECONDS (default 30),
// AUTH_PROVIDERS / AUTH_PROVIDERS_FILE (outside OpenID providers), IDP_PORT (default
// 8006: the local test OpenID provider, provider `local`; LOCAL_IDP=false leaves it out).
//
// For one developer's machine: every service it starts (DynamoDB Local, the
// local SES engine, the local test OpenID provider, the web app, serverless offline and its Lambda port)
// listens on 127.0.0.1 only, since none of them asks for credentials.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createPublicKey, randomBytes } from "node:crypto";
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
const idpPort = Number(process.env.IDP_PORT || "8006");
const localIdp = process.env.LOCAL_IDP !== "false";
const issuerUrl = (process.env.ISSUER_URL || `http://localhost:${port}`).replace(/\/+$/, "");

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

/**
 * The outside providers as configured (AUTH_PROVIDERS, else AUTH_PROVIDERS_FILE: the
 * precedence lib/methods/providers/provider-config.ts reads them with), read here to add
 * the local test provider; lib validates them when the functions load.
 */
function configuredProviders() {
  const inline = process.env.AUTH_PROVIDERS?.trim();
  const file = process.env.AUTH_PROVIDERS_FILE?.trim();
  const [source, text] = inline ? ["AUTH_PROVIDERS", inline] : file ? [`AUTH_PROVIDERS_FILE (${file})`, readFileSync(resolve(file), "utf8")] : [undefined, "[]"];
  let providers;
  try {
    providers = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not JSON: ${error.message}`);
  }
  if (!Array.isArray(providers)) throw new Error(`${source} must be a JSON array of providers`);
  return providers;
}

/**
 * The local test OpenID provider's setup (scripts/local-idp.mjs, on IDP_PORT): provider
 * `local` added to the configured ones unless they name one, and the IdP's clients: one
 * for every provider whose issuer is the IdP's (so a test adds, say, an Apple-like
 * form_post provider through AUTH_PROVIDERS alone). `local`'s client secret is made once
 * per data folder and kept there (idp-client-secret), as is the IdP's signing key
 * (idp-jwks.json). `providers` is what the functions get as AUTH_PROVIDERS.
 */
function localIdpSetup() {
  const issuer = `http://localhost:${idpPort}`;
  const providers = configuredProviders();
  if (!providers.some((provider) => provider?.id === "local")) {
    const secretFile = resolve(dataDir, "idp-client-secret");
    if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString("base64url"), { mode: 0o600 });
    const clientSecret = readFileSync(secretFile, "utf8").trim();
    providers.push({ id: "local", name: "Local test provider", type: "oidc", issuer, clientId: "auth-api-local", clientSecret });
  }
  const clients = [];
  const served = [];
  for (const provider of providers) {
    if (typeof provider?.issuer !== "string" || provider.issuer.replace(/\/+$/, "") !== issuer) continue;
    const client = {
      client_id: provider.clientId,
      redirect_uris: [`${issuerUrl}/auth/providers/${provider.id}/callback`],
      ...((provider.responseMode === "form_post" || (provider.preset === "apple" && provider.responseMode === undefined)) && { response_modes: ["form_post"] }),
    };
    if (provider.apple?.privateKey) {
      // Apple-style: the secret is an ES256 JWT from this key; the IdP checks it with the public half.
      clients.push({ ...client, apple: { teamId: provider.apple.teamId, keyId: provider.apple.keyId, publicKey: createPublicKey(provider.apple.privateKey) } });
    } else if (typeof provider.clientSecret === "string") {
      clients.push({ ...client, client_secret: provider.clientSecret });
    } else {
      log(`provider ${provider.id} names the local IdP but has no clientSecret (nor apple.privateKey): not registered there`);
      continue;
    }
    served.push(provider.id);
  }
  return { issuer, providers, clients, served };
}

/** Starts the local IdP (its module loaded only now: oidc-provider takes a few hundred ms to load). */
async function startIdp({ issuer, clients, served }) {
  const { startLocalIdp } = await import("./local-idp.mjs");
  const idp = await startLocalIdp({
    port: idpPort,
    issuer,
    clients,
    keysFile: resolve(dataDir, "idp-jwks.json"),
    log: (line) => console.log(`[local-idp] ${line}`),
  }).catch((error) => {
    throw new Error(`could not start the local test OpenID provider on IDP_PORT ${idpPort}: ${error.message} (LOCAL_IDP=false leaves it out)`);
  });
  log(`local test OpenID provider on ${idp.issuer}, for ${served.join(", ") || "no provider"}: any email signs in there, reported verified`);
  return idp;
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

  // The providers for AUTH_PROVIDERS now; the IdP itself starts while offline does.
  const idpSetup = localIdp ? localIdpSetup() : undefined;

  // Serverless offline takes most of the start (it bundles every function): it starts first, and
  // DynamoDB Local, the tables, the SES engine, the web app and the IdP come up while it does.
  // Their ports are chosen now so that offline's environment can name them.
  const ownDatabase = !process.env.DYNAMODB_ENDPOINT;
  const dbPort = ownDatabase ? await freePort() : undefined;
  const endpoint = process.env.DYNAMODB_ENDPOINT || `http://127.0.0.1:${dbPort}`;
  const lambdaPort = process.env.OFFLINE_LAMBDA_PORT || String(await freePort());
  // Tells `npm run grant-role` where the running database is.
  const endpointFile = resolve(dataDir, "dynamodb-endpoint");

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
        ISSUER_URL: issuerUrl,
        JWKS_MAX_AGE_SECONDS: process.env.JWKS_MAX_AGE_SECONDS || String(keys.LOCAL_JWKS_MAX_AGE_SECONDS),
        SERVER_SECRET_FILE: serverSecretFile,
        OFFLINE_LAMBDA_PORT: lambdaPort,
        // The functions send email to the local SES engine and queue mail jobs on offline's Lambda port.
        SES_ENDPOINT: `http://127.0.0.1:${mailPort}`,
        LAMBDA_ENDPOINT: `http://127.0.0.1:${lambdaPort}`,
        SLS_TELEMETRY_DISABLED: "1",
        APP_URL: appUrl,
        CORS_ORIGINS: process.env.CORS_ORIGINS || new URL(appUrl).origin,
        // The configured providers and the local one, as one JSON array (which lib reads before AUTH_PROVIDERS_FILE).
        ...(idpSetup && { AUTH_PROVIDERS: JSON.stringify(idpSetup.providers) }),
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );

  let dynamodb, ses, web, idp;
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
    web?.close();
    await idp?.stop();
    await ses?.stop();
    await dynamodb?.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));
  offline.on("exit", (code) => {
    if (!stopping) {
      console.error(`[start] serverless offline exited (${code ?? "signal"})`);
      stop(code || 1);
    }
  });

  const database = (async () => {
    if (ownDatabase) {
      dynamodb = await startDynamoDbLocal({ dataDir: resolve(dataDir, "dynamodb"), port: dbPort });
      log(`DynamoDB Local on ${endpoint}, data in ${resolve(dataDir, "dynamodb")}`);
    }
    await ensureTables(endpoint, STAGE);
    writeFileSync(endpointFile, endpoint);
    // The example web app is the public OAuth client `web`, its redirect URI at APP_URL/callback.
    await (await tsImport("./web-client.ts", import.meta.url)).registerWebClient({ endpoint, stage: STAGE, appUrl });
  })();
  const mail = startLocalSes(mailPort).then(
    (started) => {
      ses = started;
      log(`local SES engine on ${ses.url}: every email sent lands in its inbox, ${ses.url}/ (JSON: ${ses.url}/store)`);
    },
    (error) => {
      throw new Error(`could not start the local SES engine on MAIL_PORT ${mailPort}: ${error.message}`);
    },
  );
  // The example web app (web/), talking to this API; the API must allow its origin (CORS).
  const app = startWebServer({ appUrl, apiUrl: `http://localhost:${port}` }).then((started) => (web = started));
  const provider = idpSetup && startIdp(idpSetup).then((started) => (idp = started));
  const services = Promise.all([database, mail, app, provider]);
  services.catch((error) => {
    console.error(`[start] ${error.message}`);
    stop(1);
  });

  let ready = false;
  const relay = (stream, out) => {
    let buffered = "";
    stream.on("data", (chunk) => {
      out.write(chunk);
      buffered += chunk;
      if (!ready && /Server ready:/.test(buffered)) {
        ready = true;
        // Ready once everything else is too (as a rule it has long been).
        services.then(
          () => {
            const idpLine = idp ? `Local test OpenID provider at ${idp.issuer} (sign in with any email)\n` : "";
            console.log(`\nAuth API ready at http://localhost:${port}\nWeb app at ${appUrl}\nEmails: ${ses.url}/\n${idpLine}`);
          },
          () => {}, // reported above
        );
      }
      if (buffered.length > 10_000) buffered = buffered.slice(-1000);
    });
  };
  relay(offline.stdout, process.stdout);
  relay(offline.stderr, process.stderr);
}

main().catch((error) => {
  console.error(`[start] ${error.message}`);
  process.exit(1);
});
