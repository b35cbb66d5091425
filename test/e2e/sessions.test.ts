// Sessions over HTTP: refresh rotation and reuse detection, signout,
// password change, access-token revocation at the authorizer, lockout.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, type Client } from "../helpers/client.js";
import { PASSWORD, uniqueEmail } from "../helpers/fixtures.js";
import { startStack, type Stack } from "../helpers/stack.js";

let stack: Stack;
let api: Client;

beforeAll(async () => {
  stack = await startStack();
  api = client(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

interface Session {
  email: string;
  accessToken: string;
  refreshToken: string;
}

async function signup(): Promise<Session> {
  const email = uniqueEmail();
  const reply = await api.post("/auth/signup", { email, password: PASSWORD });
  expect(reply.status).toBe(201);
  return { email, ...reply.body };
}

async function signin(email: string, password = PASSWORD): Promise<Session> {
  const reply = await api.post("/auth/signin", { email, password });
  expect(reply.status).toBe(200);
  return { email, ...reply.body };
}

const meStatus = async (accessToken: string) => (await api.get("/users/me", { token: accessToken })).status;
const refreshStatus = async (refreshToken: string) => (await api.post("/auth/refresh", { refreshToken })).status;

describe("refresh", () => {
  it("returns a new session; the old refresh token stops working", async () => {
    const first = await signup();
    const reply = await api.post("/auth/refresh", { refreshToken: first.refreshToken });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(["accessToken", "expiresIn", "refreshToken", "tokenType", "user"]);
    expect(reply.body.refreshToken).not.toBe(first.refreshToken);
    expect(await meStatus(reply.body.accessToken)).toBe(200);
    expect(await refreshStatus(reply.body.refreshToken)).toBe(200);
  });

  it("a rotated refresh token presented again ends its whole chain: newest refresh token and access tokens", async () => {
    const first = await signup();
    const second = (await api.post("/auth/refresh", { refreshToken: first.refreshToken })).body;
    expect(await refreshStatus(first.refreshToken)).toBe(401);
    expect(await refreshStatus(second.refreshToken)).toBe(401);
    expect(await meStatus(second.accessToken)).toBe(401);
    expect(await meStatus(first.accessToken)).toBe(401);
  });

  it("gives one success for parallel refreshes of one token", async () => {
    const first = await signup();
    const statuses = await Promise.all(Array.from({ length: 5 }, () => refreshStatus(first.refreshToken)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(4);
  });

  it("answers 401 for an unknown refresh token and 400 for a missing one", async () => {
    expect(await refreshStatus("x".repeat(43))).toBe(401);
    const reply = await api.post("/auth/refresh", {});
    expect(reply.status).toBe(400);
    expect(typeof reply.body.message).toBe("string");
  });
});

describe("signout", () => {
  it("with an empty body ends the bearer's own session, access token included, at once", async () => {
    const session = await signup();
    const other = await signin(session.email);
    const reply = await api.request("POST", "/auth/signout", undefined, { token: session.accessToken });
    expect(reply.status).toBe(204);
    expect(await meStatus(session.accessToken)).toBe(401);
    expect(await refreshStatus(session.refreshToken)).toBe(401);
    expect(await meStatus(other.accessToken)).toBe(200);
  });

  it("with a refresh token ends that session only", async () => {
    const current = await signup();
    const other = await signin(current.email);
    expect((await api.post("/auth/signout", { refreshToken: other.refreshToken }, { token: current.accessToken })).status).toBe(204);
    expect(await meStatus(other.accessToken)).toBe(401);
    expect(await refreshStatus(other.refreshToken)).toBe(401);
    expect(await meStatus(current.accessToken)).toBe(200);
  });

  it("with allSessions ends every session of the caller", async () => {
    const a = await signup();
    const b = await signin(a.email);
    expect((await api.post("/auth/signout", { allSessions: true }, { token: a.accessToken })).status).toBe(204);
    for (const session of [a, b]) {
      expect(await meStatus(session.accessToken)).toBe(401);
      expect(await refreshStatus(session.refreshToken)).toBe(401);
    }
    expect(await meStatus((await signin(a.email)).accessToken)).toBe(200);
  });

  it("needs a bearer token and a well-typed body", async () => {
    expect((await api.post("/auth/signout", {})).status).toBe(401);
    const session = await signup();
    const reply = await api.post("/auth/signout", { allSessions: "yes" }, { token: session.accessToken });
    expect(reply.status).toBe(400);
    expect(await meStatus(session.accessToken)).toBe(200);
  });
});

describe("password change", () => {
  it("needs the current password, applies the policy, and ends every session", async () => {
    const a = await signup();
    const b = await signin(a.email);
    const change = (body: unknown) => api.post("/auth/password", body, { token: a.accessToken });

    expect((await change({ currentPassword: "not my password", newPassword: "a brand new passphrase" })).status).toBe(401);
    expect((await change({ currentPassword: PASSWORD, newPassword: "short" })).status).toBe(400);
    expect((await change({ currentPassword: PASSWORD, newPassword: "qwertyuiop" })).status).toBe(400);
    expect((await change({ currentPassword: PASSWORD })).status).toBe(400);
    expect(await meStatus(a.accessToken)).toBe(200); // refused changes changed nothing

    expect((await change({ currentPassword: PASSWORD, newPassword: "a brand new passphrase" })).status).toBe(204);
    for (const session of [a, b]) {
      expect(await meStatus(session.accessToken)).toBe(401);
      expect(await refreshStatus(session.refreshToken)).toBe(401);
    }
    expect((await api.post("/auth/signin", { email: a.email, password: PASSWORD })).status).toBe(401);
    await signin(a.email, "a brand new passphrase");
  });
});

describe("lockout", () => {
  it("answers 429 with Retry-After after 5 failures, even for the right password; other accounts are unaffected", async () => {
    const victim = await signup();
    const bystander = await signup();
    for (let i = 0; i < 5; i++) {
      expect((await api.post("/auth/signin", { email: victim.email, password: `wrong guess ${i}` })).status).toBe(401);
    }
    const locked = await api.post("/auth/signin", { email: victim.email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(locked.headers.get("retry-after"))).toBeLessThanOrEqual(900);
    expect(typeof locked.body.message).toBe("string");

    const parallel = await Promise.all(
      Array.from({ length: 8 }, () => api.post("/auth/signin", { email: victim.email, password: PASSWORD })),
    );
    for (const reply of parallel) expect(reply.status).toBe(429);
    await signin(bystander.email);
  });
});

describe("arbitrary request bodies", () => {
  const routes: [string, string, boolean][] = [
    ["POST", "/auth/signup", false],
    ["POST", "/auth/signin", false],
    ["POST", "/auth/refresh", false],
    ["POST", "/auth/signout", true],
    ["POST", "/auth/password", true],
  ];
  for (const [method, path, needsToken] of routes) {
    it(`${method} ${path} answers any JSON body with a 2xx or a clean 4xx, never a 5xx or internals`, async () => {
      const session = needsToken ? await signup() : undefined;
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
          const reply = await api.request(method, path, undefined, {
            raw: JSON.stringify(value),
            headers: { "content-type": "application/json" },
            token: session?.accessToken,
          });
          expect(reply.status).toBeLessThan(500);
          if (reply.status >= 400) {
            expect(typeof reply.body?.message).toBe("string");
            expect(reply.text).not.toMatch(/Exception|Error:|\bat \S+:\d+|node_modules|DynamoDB/);
          }
        }),
        { numRuns: 25 },
      );
    });
  }
});
