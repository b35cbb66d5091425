// The authorizer's SDK-less AWS calls (lib/platform/aws-json.ts). DynamoDB is covered
// against DynamoDB Local elsewhere; SSM has no local engine, so these tests
// run against a stand-in SSM endpoint on loopback that checks what arrives
// on the wire and answers as SSM does (including its faults).
import aws4 from "aws4";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AwsCallError, awsJson } from "../../lib/platform/aws-json.js";
import { ServiceUnavailableError } from "../../lib/platform/errors.js";
import { rotate } from "../../lib/keys/key-set.js";

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let received: Received[] = [];
let answers: { status: number; body: unknown }[] = [];
const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "session-token" };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      const answer = answers.shift() ?? { status: 200, body: { Parameter: { Value: "x".repeat(48) } } };
      res.writeHead(answer.status, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  vi.stubEnv("AWS_ENDPOINT_URL_SSM", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  vi.stubEnv("AWS_REGION", "eu-west-1");
  vi.stubEnv("AWS_ACCESS_KEY_ID", credentials.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey);
  vi.stubEnv("AWS_SESSION_TOKEN", credentials.sessionToken);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  answers = [];
});

const getParameter = () =>
  awsJson<{ Parameter: { Value: string } }>({
    service: "ssm",
    target: "AmazonSSM.GetParameter",
    jsonVersion: "1.1",
    body: { Name: "/auth-api/prod/signing-keys", WithDecryption: true },
  });

describe("signed AWS JSON calls (against a stand-in SSM endpoint)", () => {
  it("sends the operation as AWS's JSON protocol, signed with SigV4 for the service and region", async () => {
    expect((await getParameter()).Parameter.Value).toBe("x".repeat(48));
    const [{ headers, body }] = received as [Received];
    expect(headers["x-amz-target"]).toBe("AmazonSSM.GetParameter");
    expect(headers["content-type"]).toBe("application/x-amz-json-1.1");
    expect(JSON.parse(body)).toEqual({ Name: "/auth-api/prod/signing-keys", WithDecryption: true });
    expect(headers["x-amz-security-token"]).toBe("session-token");
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/ssm\/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-target[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    // The signature verifies over what actually arrived (nothing changed after signing).
    const resigned = aws4.sign(
      {
        host: headers.host,
        path: "/",
        method: "POST",
        service: "ssm",
        region: "eu-west-1",
        body,
        headers: { "Content-Type": headers["content-type"], "X-Amz-Target": headers["x-amz-target"], "X-Amz-Date": headers["x-amz-date"] },
      },
      credentials,
    ) as { headers: Record<string, string> };
    expect(resigned.headers.Authorization).toBe(headers.authorization);
  });

  it("retries throttling and answers ServiceUnavailable when it persists", async () => {
    const throttled = { status: 400, body: { __type: "com.amazonaws.ssm#ThrottlingException", message: "Rate exceeded" } };
    answers = [throttled, throttled, throttled];
    await expect(getParameter()).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(received).toHaveLength(3);

    answers = [throttled, { status: 500, body: {} }];
    await expect(getParameter()).resolves.toBeDefined();
    expect(received).toHaveLength(3 + 3);
  });

  it("does not retry an error that retrying cannot fix, and names it", async () => {
    answers = [{ status: 400, body: { __type: "com.amazonaws.ssm#AccessDeniedException", message: "not allowed" } }];
    const error = await getParameter().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ type: "AccessDeniedException", statusCode: 400 });
    expect(received).toHaveLength(1);
  });

  it("loads the public key set from PUBLIC_KEYS_PARAMETER once per reload interval, and keeps the last good set when a re-read fails", async () => {
    const set = rotate({ keys: [] }, { keys: [] }, 0, { activationDelaySeconds: 1, accessTokenTtlSeconds: 1, clockSkewSeconds: 0 }).publicSet;
    vi.stubEnv("PUBLIC_KEYS_PARAMETER", "/auth-api/prod/public-keys");
    vi.stubEnv("KEY_SET_RELOAD_SECONDS", "1");
    vi.resetModules();
    try {
      const { verificationKeys } = await import("../../lib/keys/verification-keys.js");
      answers = [{ status: 200, body: { Parameter: { Value: JSON.stringify(set) } } }];
      const [first, second] = [await verificationKeys(), await verificationKeys()];
      expect(first).toBe(second);
      expect([...first.byKid.keys()]).toEqual([set.keys[0]!.kid]);
      expect(received).toHaveLength(1);
      expect(JSON.parse(received[0]!.body)).toEqual({ Name: "/auth-api/prod/public-keys", WithDecryption: true });

      await new Promise((resolve) => setTimeout(resolve, 1100));
      answers = [{ status: 400, body: { __type: "com.amazonaws.ssm#AccessDeniedException", message: "not allowed" } }];
      expect(await verificationKeys()).toBe(first);
      expect(received).toHaveLength(2);
    } finally {
      vi.stubEnv("PUBLIC_KEYS_PARAMETER", "");
      vi.stubEnv("KEY_SET_RELOAD_SECONDS", "");
      vi.resetModules();
    }
  });

});
