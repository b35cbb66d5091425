// Tokens any service can verify: discovery, the JWK Set, outside verifiers
// (jose, aws-jwt-verify) finding our keys through the issuer's discovery URL,
// and a key rotation with `npm run rotate-keys` that fails no token.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import { JwtVerifier } from "aws-jwt-verify";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, jwtHeader, uniqueEmail } from "../helpers/fixtures.js";
import { startStack, type Stack } from "../helpers/stack.js";

// Short access tokens, so that a retired key can be seen pruned within the test.
const ACCESS_TOKEN_TTL_SECONDS = 45; // longer than the local activation delay (31 s)
const AUDIENCE = "lambda-auth-api";

let stack: Stack;
let email: string;

beforeAll(async () => {
  stack = await startStack({ env: { ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS) } });
  email = uniqueEmail();
  const reply = await fetch(`${stack.baseUrl}/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(reply.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function signin(): Promise<string> {
  const reply = await fetch(`${stack.baseUrl}/auth/signin`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(reply.status).toBe(200);
  return ((await reply.json()) as { accessToken: string }).accessToken;
}

const me = (token: string) => fetch(`${stack.baseUrl}/users/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
const publishedKids = async () =>
  ((await (await fetch(`${stack.baseUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
const kidOf = (token: string) => jwtHeader(token).kid as string;

function rotateKeys(): Promise<string> {
  return promisify(execFile)("npm", ["run", "-s", "rotate-keys"], {
    env: { ...process.env, AUTH_DATA_DIR: stack.dataDir, ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS) },
  }).then(({ stdout }) => stdout);
}

/** Polls until `check` holds; fails after `seconds`. */
async function eventually(check: () => Promise<boolean>, seconds: number, what: string): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${seconds} s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** An outside service's verifiers, configured from the issuer's discovery document only. */
async function outsideVerifiers() {
  const discovery = (await (await fetch(`${stack.baseUrl}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
  const joseKeys = createRemoteJWKSet(new URL(discovery.jwks_uri));
  // aws-jwt-verify fetches with node:https; its documented `fetcher` hook lets it read our
  // http://localhost JWK Set. Issuer, audience, algorithm and signature are checked as ever.
  const jwksCache = new SimpleJwksCache({
    fetcher: { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() },
  });
  const awsVerifier = JwtVerifier.create({ issuer: discovery.issuer, audience: AUDIENCE, jwksUri: discovery.jwks_uri }, { jwksCache });
  return {
    jose: (token: string) => jwtVerify(token, joseKeys, { issuer: discovery.issuer, audience: AUDIENCE, algorithms: ["RS256"], typ: "at+jwt" }),
    awsJwtVerify: (token: string) => awsVerifier.verify(token),
  };
}

describe("discovery and the JWK Set", () => {
  it("names the issuer (the API's base URL, the tokens' iss) and its JWK Set, cacheable and readable from any origin", async () => {
    const reply = await fetch(`${stack.baseUrl}/.well-known/openid-configuration`, { headers: { origin: "https://other.example" } });
    expect(reply.status).toBe(200);
    expect(reply.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    expect(Number(/max-age=(\d+)/.exec(reply.headers.get("cache-control")!)![1])).toBeLessThanOrEqual(3600);
    expect(reply.headers.get("access-control-allow-origin")).toBe("*");
    // A configured origin gets the same answer.
    const configured = await fetch(`${stack.baseUrl}/.well-known/openid-configuration`, { headers: { origin: "http://localhost:4040" } });
    expect(configured.headers.get("access-control-allow-origin")).toBe("*");
    expect(configured.headers.get("cache-control")).toBe(reply.headers.get("cache-control"));
    const discovery = (await reply.json()) as { issuer: string };
    expect(discovery).toMatchObject({
      issuer: stack.baseUrl,
      jwks_uri: `${stack.baseUrl}/.well-known/jwks.json`,
      response_types_supported: expect.any(Array),
      subject_types_supported: expect.any(Array),
      id_token_signing_alg_values_supported: ["RS256"],
    });
    const token = await signin();
    expect(JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).iss).toBe(discovery.issuer);
  });

  it("serves every signing key's public members only, with the kid tokens name", async () => {
    const reply = await fetch(`${stack.baseUrl}/.well-known/jwks.json`, { headers: { origin: "https://other.example" } });
    expect(reply.status).toBe(200);
    expect(reply.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    expect(reply.headers.get("access-control-allow-origin")).toBe("*");
    const { keys } = (await reply.json()) as { keys: Record<string, string>[] };
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
      expect(key).toMatchObject({ kty: "RSA", use: "sig", alg: "RS256" });
      expect(Buffer.from(key.n!, "base64url")).toHaveLength(256);
    }
    expect(keys.map((key) => key.kid)).toContain(kidOf(await signin()));
  });

  it("keeps the other routes' no-store and configured origins", async () => {
    const reply = await fetch(`${stack.baseUrl}/messages/public`, { headers: { origin: "https://other.example" } });
    expect(reply.headers.get("cache-control")).toBe("no-store");
    expect(reply.headers.get("access-control-allow-origin")).not.toBe("*");
  });
});

describe("outside verifiers", () => {
  it("jose and aws-jwt-verify verify our tokens through the discovery URL, checking issuer and audience", async () => {
    const verifiers = await outsideVerifiers();
    const token = await signin();
    expect((await verifiers.jose(token)).payload.sub).toBeDefined();
    expect((await verifiers.awsJwtVerify(token)).sub).toBeDefined();
    // They are not fooled either: a token for another audience, or tampered, fails.
    const tampered = token.replace(/\.[^.]+\./, (payload) => `.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload.slice(1, -1), "base64url").toString()), roles: ["admin"] })).toString("base64url")}.`);
    await expect(verifiers.jose(tampered)).rejects.toThrow();
    await expect(verifiers.awsJwtVerify(tampered)).rejects.toThrow();
    const strictAudience = JwtVerifier.create(
      { issuer: stack.baseUrl, audience: "another-api", jwksUri: `${stack.baseUrl}/.well-known/jwks.json` },
      { jwksCache: new SimpleJwksCache({ fetcher: { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() } }) },
    );
    await expect(strictAudience.verify(token)).rejects.toThrow(/audience/i);
  });
});

describe("key rotation (npm run rotate-keys)", () => {
  it("publishes a new key before it signs, keeps old tokens working until they expire, is idempotent, and prunes the retired key later", async () => {
    const verifiers = await outsideVerifiers();
    const before = await signin();
    const oldKid = kidOf(before);
    expect(await publishedKids()).toEqual([oldKid]);
    // The outside verifiers fetch and cache the JWK Set now, before the rotation: they must
    // learn the new key on their own (jose refetches for an unknown kid at most every 30 s).
    await verifiers.jose(before);
    await verifiers.awsJwtVerify(before);

    expect(await rotateKeys()).toMatch(/published key \S+: it signs from/);
    expect(await rotateKeys()).toMatch(/already waiting/); // idempotent: still one pending key
    await eventually(async () => (await publishedKids()).length === 2, 5, "the new key is published");
    const [, newKid] = await publishedKids();
    expect(newKid).not.toBe(oldKid);

    // Published but not yet signing: tokens still name the old key, and every token names a published key.
    const during = await signin();
    expect(kidOf(during)).toBe(oldKid);
    expect(await me(before)).toBe(200);

    // After the activation delay (local: 31 s), the new key signs; the old token still works.
    await eventually(async () => kidOf(await signin()) === newKid, 45, "the new key signs");
    const after = await signin();
    expect(await publishedKids()).toContain(kidOf(after));
    for (const token of [before, during, after]) {
      expect(await me(token)).toBe(200);
      await verifiers.jose(token);
      await verifiers.awsJwtVerify(token);
    }

    // The old key stays published until its last token expired (ttl + 1 s skew after it stopped signing).
    expect(await rotateKeys()).not.toMatch(/pruned/);
    expect(await publishedKids()).toContain(oldKid);
    await new Promise((resolve) => setTimeout(resolve, (ACCESS_TOKEN_TTL_SECONDS + 2) * 1000));
    expect(await me(before)).toBe(401); // expired, as every token the old key signed
    expect(await rotateKeys()).toMatch(new RegExp(`pruned ${oldKid}`));
    await eventually(async () => !(await publishedKids()).includes(oldKid), 5, "the old key is pruned");
    const latest = await signin();
    expect(await publishedKids()).toContain(kidOf(latest));
    expect(await me(latest)).toBe(200);
  }, 180_000);
});
