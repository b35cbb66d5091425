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

const rotate = async () =>
  (
    await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/rotate-keys.ts", "--stage", "prod"], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        AWS_ENDPOINT_URL_SSM: endpoint,
        AWS_REGION: "eu-west-1",
        AWS_ACCESS_KEY_ID: "AKIDTEST",
        AWS_SECRET_ACCESS_KEY: "secret",
      },
    })
  ).stdout;

const keysOf = (name: string) => JSON.parse(parameters.get(name)!.Value).keys as { kid: string; activatesAt: number; jwk: Record<string, string> }[];

describe("rotate-keys on a deployed stage", () => {
  it("creates both parameters on the first run, writes the public set first, keeps private parts in the SecureString only, and adds one pending key however often it runs", async () => {
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
    expect(await rotate()).toMatch(/already waiting/);
    const published = keysOf("/auth-api/prod/public-keys");
    expect(published.map((k) => k.kid)).toEqual(keysOf("/auth-api/prod/signing-keys").map((k) => k.kid));
    expect(published).toHaveLength(2);
    // The deployed activation delay: JWKS max-age 600 + reload 300 + skew 60.
    expect(published[1]!.activatesAt - started).toBeGreaterThanOrEqual(960);
    expect(published[1]!.activatesAt - started).toBeLessThanOrEqual(962);
  }, 60_000);
});
