// `npm run rotate-keys -- --stage <stage>` on a deployed stage's SSM parameters.
// SSM has no local engine: the script runs against a stand-in SSM endpoint on
// loopback that keeps parameters in memory and answers as SSM does.
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
interface Put {
  Name: string;
  Type: string;
  Value: string;
  Overwrite: boolean;
}

let server: Server;
let endpoint: string;
const parameters = new Map<string, Put>();
const puts: Put[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => {
      const body = JSON.parse(text);
      const reply = (status: number, answer: unknown) => res.writeHead(status, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(answer));
      if (!/^AWS4-HMAC-SHA256 Credential=AKIDTEST\//.test(req.headers.authorization ?? "")) return reply(400, { __type: "UnrecognizedClientException" });
      if (req.headers["x-amz-target"] === "AmazonSSM.GetParameter") {
        const found = parameters.get(body.Name);
        return found ? reply(200, { Parameter: { Name: found.Name, Type: found.Type, Value: found.Value } }) : reply(400, { __type: "ParameterNotFound" });
      }
      if (req.headers["x-amz-target"] === "AmazonSSM.PutParameter") {
        parameters.set(body.Name, body);
        puts.push(body);
        return reply(200, { Version: puts.length });
      }
      reply(400, { __type: "InvalidAction" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

const SERVERLESS_DEFAULTS = { keySetReloadSeconds: 300, jwksMaxAgeSeconds: 600, verifierKeyCacheSeconds: 7200, accessTokenTtlSeconds: 900 };

/** The key-timing parameter that serverless.yml creates at deploy (KeyTimingParameter). */
const deployTiming = (stage: string, settings: Record<string, number>) =>
  parameters.set(`/auth-api/${stage}/key-timing`, { Name: `/auth-api/${stage}/key-timing`, Type: "String", Value: JSON.stringify(settings), Overwrite: false });

/** The operator's shell, whose timing variables a deployed stage's rotation must not read. */
const SHORT_SHELL = { KEY_SET_RELOAD_SECONDS: "0", JWKS_MAX_AGE_SECONDS: "0", VERIFIER_KEY_CACHE_SECONDS: "0", ACCESS_TOKEN_TTL_SECONDS: "60" };

const run = async (stage: string, env: Record<string, string> = {}) =>
  await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/rotate-keys.ts", "--stage", stage], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      AWS_ENDPOINT_URL_SSM: endpoint,
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "AKIDTEST",
      AWS_SECRET_ACCESS_KEY: "secret",
      ...env,
    },
  });
const rotate = async (stage = "prod", env: Record<string, string> = {}) => (await run(stage, env)).stdout;

const keysOf = (name: string) => JSON.parse(parameters.get(name)!.Value).keys as { kid: string; activatesAt: number; jwk: Record<string, string> }[];

/** Seconds from `started` until the stage's pending key signs (first run, then the rotation run). */
/** The activation delay of the key a run publishes, give or take `slack`: the seconds the run took (a loaded machine starts tsx slowly). */
async function activationDelayOf(stage: string, env: Record<string, string> = {}): Promise<{ delay: number; slack: number; stdout: string; stderr: string }> {
  await rotate(stage, env);
  const started = Math.floor(Date.now() / 1000);
  const { stdout, stderr } = await run(stage, env);
  const slack = Math.ceil(Date.now() / 1000) - started;
  expect(stdout).toMatch(/published key \S+: it signs from/);
  const published = keysOf(`/auth-api/${stage}/public-keys`);
  expect(published).toHaveLength(2);
  return { delay: published[1]!.activatesAt - started, slack, stdout, stderr };
}

describe("rotate-keys on a deployed stage", () => {
  it("creates both parameters on the first run, writes the public set first, keeps private parts in the SecureString only, and adds one pending key however often it runs", async () => {
    deployTiming("prod", SERVERLESS_DEFAULTS);
    expect(await rotate()).toMatch(/created key \S+: it signs from now/);
    expect(puts.map((p) => [p.Name, p.Type])).toEqual([
      ["/auth-api/prod/public-keys", "String"],
      ["/auth-api/prod/signing-keys", "SecureString"],
    ]);
    expect(puts.every((p) => p.Overwrite)).toBe(true);
    const [first] = keysOf("/auth-api/prod/signing-keys");
    expect(first!.jwk.d).toBeDefined();
    expect(parameters.get("/auth-api/prod/public-keys")!.Value).not.toMatch(/"d"|"p"|"q"/);

    const started = Math.floor(Date.now() / 1000);
    expect(await rotate()).toMatch(/published key \S+: it signs from/);
    const slack = Math.ceil(Date.now() / 1000) - started;
    expect(await rotate()).toMatch(/already waiting/);
    const published = keysOf("/auth-api/prod/public-keys");
    expect(published.map((k) => k.kid)).toEqual(keysOf("/auth-api/prod/signing-keys").map((k) => k.kid));
    expect(published).toHaveLength(2);
    // The deployed activation delay: reload 300 + JWKS max-age 600 + verifier key cache 7200 + skew 60.
    expect(published[1]!.activatesAt - started).toBeGreaterThanOrEqual(8160);
    expect(published[1]!.activatesAt - started).toBeLessThanOrEqual(8160 + slack);
  }, 60_000);

  it("waits at least 2 h 15 min by default (API Gateway's HTTP API JWT authorizer keeps keys 2 hours), whatever the operator's shell says", async () => {
    deployTiming("defaults", SERVERLESS_DEFAULTS);
    const { delay, stdout } = await activationDelayOf("defaults", SHORT_SHELL);
    expect(delay).toBeGreaterThanOrEqual(2 * 3600 + 15 * 60);
    expect(stdout).toMatch(/timing \(\/auth-api\/defaults\/key-timing\): a new key signs 2 h 16 min after/);
  }, 60_000);

  it("times the rotation from the stage's key-timing parameter: a longer verifier key cache, a longer wait; its token lifetime for pruning", async () => {
    deployTiming("cached", { ...SERVERLESS_DEFAULTS, verifierKeyCacheSeconds: 4 * 3600, accessTokenTtlSeconds: 1800 });
    const { delay, slack, stdout } = await activationDelayOf("cached", SHORT_SHELL);
    expect(delay).toBeGreaterThanOrEqual(300 + 600 + 4 * 3600 + 60);
    expect(delay).toBeLessThanOrEqual(300 + 600 + 4 * 3600 + 60 + slack);
    expect(stdout).toMatch(/a retired key is unpublished 31 min after it stopped signing/);
  }, 60_000);

  it("warns and uses the longest timing when a stage with keys has no key-timing parameter", async () => {
    const { delay, stderr } = await activationDelayOf("older");
    expect(stderr).toMatch(/warning: \/auth-api\/older\/key-timing not found/);
    expect(delay).toBeGreaterThanOrEqual(3600 + 3600 + 7200 + 60);
  }, 60_000);

  it("refuses to rotate on a malformed key-timing parameter", async () => {
    deployTiming("broken", { ...SERVERLESS_DEFAULTS, verifierKeyCacheSeconds: -1 });
    await expect(run("broken")).rejects.toMatchObject({ stderr: expect.stringMatching(/verifierKeyCacheSeconds must be a whole number/) });
    expect(parameters.has("/auth-api/broken/public-keys")).toBe(false);
  }, 60_000);
});
