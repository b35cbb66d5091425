// Sessions over HTTP: refresh rotation, its grace window and reuse detection,
// the device list, signout, password change, access-token revocation at the
// authorizer, lockout. This stack runs the default window (10 s); the window's
// end and strict mode (0) run on stacks of their own in refresh-window.test.ts.
import { once } from "node:events";
import { connect } from "node:net";
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

/** The status of GET /users/me; a 401 must carry the code `unauthorized`. */
const meStatus = async (accessToken: string) => {
  const reply = await api.get("/users/me", { token: accessToken });
  if (reply.status === 401) expect(reply.body.code).toBe("unauthorized");
  return reply.status;
};
/** The status of a refresh; a 401 must carry the code `invalid_refresh_token`. */
const refreshStatus = async (refreshToken: string) => {
  const reply = await api.post("/auth/refresh", { refreshToken });
  if (reply.status === 401) expect(reply.body.code).toBe("invalid_refresh_token");
  return reply.status;
};

describe("refresh", () => {
  it("returns a new session with a new refresh token, which refreshes again", async () => {
    const first = await signup();
    const reply = await api.post("/auth/refresh", { refreshToken: first.refreshToken });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(["accessToken", "expiresIn", "refreshToken", "tokenType", "user"]);
    expect(reply.body.refreshToken).not.toBe(first.refreshToken);
    expect(await meStatus(reply.body.accessToken)).toBe(200);
    expect(await refreshStatus(reply.body.refreshToken)).toBe(200);
  });

  it("a token rotated away before the predecessor ends its whole chain: newest refresh token and access tokens", async () => {
    const first = await signup();
    const second = (await api.post("/auth/refresh", { refreshToken: first.refreshToken })).body;
    const third = (await api.post("/auth/refresh", { refreshToken: second.refreshToken })).body;
    expect(await refreshStatus(first.refreshToken)).toBe(401);
    expect(await refreshStatus(third.refreshToken)).toBe(401);
    expect(await meStatus(third.accessToken)).toBe(401);
    expect(await meStatus(first.accessToken)).toBe(401);
  });

  it("answers every one of parallel refreshes of one token with 200 and the same refresh token, and every token handed out works", async () => {
    const first = await signup();
    const replies = await Promise.all(Array.from({ length: 6 }, () => api.post("/auth/refresh", { refreshToken: first.refreshToken })));
    expect(replies.map((r) => r.status)).toEqual(Array(6).fill(200));
    const handedOut = new Set(replies.map((r) => r.body.refreshToken as string));
    expect(handedOut.size).toBe(1);
    for (const reply of replies) expect(await meStatus(reply.body.accessToken)).toBe(200);
    const next = await api.post("/auth/refresh", { refreshToken: [...handedOut][0] });
    expect(next.status).toBe(200);
    expect(await meStatus(next.body.accessToken)).toBe(200);
  });

  it("a retried refresh whose response was lost gets the same refresh token, and the session lives on", async () => {
    const first = await signup();
    const lost = await api.post("/auth/refresh", { refreshToken: first.refreshToken }); // the client never reads it
    const retried = await api.post("/auth/refresh", { refreshToken: first.refreshToken });
    expect(retried.status).toBe(200);
    expect(retried.body.refreshToken).toBe(lost.body.refreshToken);
    expect(await meStatus(lost.body.accessToken)).toBe(200);
    expect(await meStatus(retried.body.accessToken)).toBe(200);
    expect(await refreshStatus(retried.body.refreshToken)).toBe(200);
  });

  it("a retry after the connection dropped before the answer gets 200 with a working refresh token", async () => {
    const first = await signup();
    // A raw connection that is torn down as soon as the answer starts to arrive, unread:
    // the server rotated the token, the client never saw the new one.
    const body = JSON.stringify({ refreshToken: first.refreshToken });
    const socket = connect(Number(new URL(stack.baseUrl).port), "127.0.0.1");
    socket.write(
      `POST /auth/refresh HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    await once(socket, "data");
    socket.destroy();
    const retried = await api.post("/auth/refresh", { refreshToken: first.refreshToken });
    expect(retried.status).toBe(200);
    expect(await meStatus(retried.body.accessToken)).toBe(200);
    expect(await refreshStatus(retried.body.refreshToken)).toBe(200);
  });

  it("answers 401 for an unknown refresh token and 400 for a missing one", async () => {
    expect(await refreshStatus("x".repeat(43))).toBe(401);
    const reply = await api.post("/auth/refresh", {});
    expect(reply.status).toBe(400);
    expect(typeof reply.body.message).toBe("string");
  });
});

describe("the device list", () => {
  const laptop = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0";
  const phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1";
  const signinAs = async (email: string, userAgent: string) => {
    const reply = await api.post("/auth/signin", { email, password: PASSWORD }, { headers: { "user-agent": userAgent } });
    expect(reply.status).toBe(200);
    return reply.body as Session;
  };
  const list = async (accessToken: string) => {
    const reply = await api.get("/users/me/sessions", { token: accessToken });
    expect(reply.status).toBe(200);
    return reply.body.sessions as { id: string; createdAt: string; lastUsedAt: string; userAgent?: string; ipAddress?: string; current: boolean }[];
  };
  const revoke = (accessToken: string, sid: string) =>
    api.request("DELETE", `/users/me/sessions/${encodeURIComponent(sid)}`, undefined, { token: accessToken });
  const sidOf = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split(".")[1]!, "base64url").toString()).sid as string;

  it("lists each live session with its device and times; `current` marks the caller's", async () => {
    const { email } = await signup();
    const onLaptop = await signinAs(email, laptop);
    const onPhone = await signinAs(email, phone);
    const seen = await list(onLaptop.accessToken);
    expect(seen).toHaveLength(3);
    const byId = new Map(seen.map((s) => [s.id, s]));
    expect(byId.get(sidOf(onLaptop.accessToken))).toMatchObject({ userAgent: laptop, current: true });
    expect(byId.get(sidOf(onPhone.accessToken))).toMatchObject({ userAgent: phone, current: false });
    for (const session of seen) {
      expect(Object.keys(session).every((k) => ["id", "createdAt", "lastUsedAt", "userAgent", "device", "ipAddress", "current"].includes(k))).toBe(true);
      expect(new Date(session.createdAt).toISOString()).toBe(session.createdAt);
      expect(new Date(session.lastUsedAt).getTime()).toBeGreaterThanOrEqual(new Date(session.createdAt).getTime());
      expect(typeof session.ipAddress).toBe("string");
    }
    expect(JSON.stringify(seen)).not.toMatch(/refreshToken|Hash/i);
    expect((await list(onPhone.accessToken)).filter((s) => s.current).map((s) => s.id)).toEqual([sidOf(onPhone.accessToken)]);
  });

  it("a refresh updates the session's lastUsedAt and User-Agent", async () => {
    const { email } = await signup();
    const onLaptop = await signinAs(email, laptop);
    const before = (await list(onLaptop.accessToken)).find((s) => s.current)!;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const refreshed = await api.post("/auth/refresh", { refreshToken: onLaptop.refreshToken }, { headers: { "user-agent": `${laptop} Updated` } });
    expect(refreshed.status).toBe(200);
    const after = (await list(refreshed.body.accessToken)).find((s) => s.current)!;
    expect(after.id).toBe(before.id);
    expect(after.createdAt).toBe(before.createdAt);
    expect(new Date(after.lastUsedAt).getTime()).toBeGreaterThan(new Date(before.lastUsedAt).getTime());
    expect(after.userAgent).toBe(`${laptop} Updated`);
  });

  it("revoking a session from another device ends it there at once (access and refresh token); it leaves the list", async () => {
    const { email } = await signup();
    const onLaptop = await signinAs(email, laptop);
    const onPhone = await signinAs(email, phone);
    expect((await revoke(onLaptop.accessToken, sidOf(onPhone.accessToken))).status).toBe(204);
    expect(await meStatus(onPhone.accessToken)).toBe(401);
    expect(await refreshStatus(onPhone.refreshToken)).toBe(401);
    expect(await meStatus(onLaptop.accessToken)).toBe(200);
    expect((await list(onLaptop.accessToken)).map((s) => s.id)).not.toContain(sidOf(onPhone.accessToken));
    expect((await revoke(onLaptop.accessToken, sidOf(onPhone.accessToken))).status).toBe(404);
  });

  it("answers 404 for another user's, an unknown or a malformed session id, and ends nothing", async () => {
    const mine = await signup();
    const theirs = await signup();
    for (const sid of [sidOf(theirs.accessToken), "00000000-0000-4000-8000-000000000000", "not a session"]) {
      const reply = await revoke(mine.accessToken, sid);
      expect(reply.status, sid).toBe(404);
      expect(typeof reply.body.message).toBe("string");
    }
    expect(await meStatus(theirs.accessToken)).toBe(200);
    expect(await meStatus(mine.accessToken)).toBe(200);
  });

  it("needs a bearer token", async () => {
    expect((await api.get("/users/me/sessions")).status).toBe(401);
    expect((await api.request("DELETE", "/users/me/sessions/00000000-0000-4000-8000-000000000000")).status).toBe(401);
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

    const wrong = await change({ currentPassword: "not my password", newPassword: "a brand new passphrase" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe("wrong_password");
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
    expect(locked.body.code).toBe("too_many_attempts");

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
