// Runs the real local stack (scripts/start.mjs: its own DynamoDB Local + serverless
// offline with the real authorizer) on free ports, for end-to-end tests.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../scripts/local-dynamodb.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface Stack {
  baseUrl: string;
  /** The example web app (APP_URL), allowed by the API's CORS_ORIGINS. */
  appUrl: string;
  /** The stack's local SES engine: `GET <mailUrl>/store` lists every email sent. */
  mailUrl: string;
  /** Offline's Lambda API (the mailer's asynchronous invokes). */
  lambdaUrl: string;
  /**
   * The stack's local test OpenID provider (scripts/local-idp.mjs, provider `local`):
   * its issuer, `http://localhost:<IDP_PORT>`. Nothing answers there with `LOCAL_IDP=false`.
   */
  idpUrl: string;
  dataDir: string;
  /** Everything the stack printed (for the log-scanning test). */
  output(): string;
  /** Stops the stack and removes its data folder, unless `keepData` (to start it again on the same data). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface StackOptions {
  dataDir?: string;
  /** The port to serve on (default: a free one); a restart keeps it, as tokens name it in `iss`. */
  port?: number;
  /**
   * The local IdP's port (default: a free one). Name it to configure, in `env.AUTH_PROVIDERS`,
   * more providers at `http://localhost:<idpPort>` (the IdP registers a client for each); a
   * restart keeps it, as the stack's users are linked to its issuer.
   */
  idpPort?: number;
  env?: Record<string, string>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "auth-e2e-"));
  const port = options.port ?? (await freePort());
  const appUrl = `http://localhost:${await freePort()}`;
  const mailPort = await freePort();
  const lambdaPort = await freePort();
  const idpPort = options.idpPort ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, [join(root, "scripts/start.mjs")], {
    cwd: root,
    env: {
      ...process.env,
      // Not the test run's shared engine: each stack starts its own DynamoDB Local with its data
      // on disk in dataDir, as `npm start` does (options.env may still name one).
      DYNAMODB_ENDPOINT: "",
      PORT: String(port),
      AUTH_DATA_DIR: dataDir,
      OFFLINE_LAMBDA_PORT: String(lambdaPort),
      MAIL_PORT: String(mailPort),
      IDP_PORT: String(idpPort),
      // Stacks run side by side: each builds its bundles in a folder of its own.
      ESBUILD_WORK_FOLDER: `.esbuild-test/${port}`,
      CORS_ORIGINS: `http://localhost:4040,https://app.example.com,${appUrl}`,
      APP_URL: appUrl,
      BCRYPT_COST: "10", // the local default, not the unit tests' minimum
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Kept for the log-scanning test, and shown when the stack fails to start.
  let output = "";
  const keep = (chunk: Buffer) => void (output += chunk);
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  // "close", not "exit": the process has ended and its output has all been read.
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));

  const stop = async ({ keepData = false } = {}) => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(join(root, ".esbuild-test", String(port)), { recursive: true, force: true });
    if (!keepData) rmSync(dataDir, { recursive: true, force: true });
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack did not start within 90 s:\n${output}`)), 90_000);
    const check = () => {
      if (output.includes("Auth API ready at")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("close", () => {
      clearTimeout(timer);
      reject(new Error(`stack exited during start:\n${output}`));
    });
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  return {
    baseUrl: `http://localhost:${port}`,
    appUrl,
    mailUrl: `http://localhost:${mailPort}`,
    lambdaUrl: `http://localhost:${lambdaPort}`,
    idpUrl: `http://localhost:${idpPort}`,
    dataDir,
    output: () => output,
    stop,
  };
}
