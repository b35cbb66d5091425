// Account administration and self-service over HTTP (serverless offline, the
// real authorizer, DynamoDB Local): delete, disable, list and find users, role
// changes that reach existing tokens at once, the self-protection rule, and
// the audit trail.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, type Client, type Reply } from "../helpers/client.js";
import { PASSWORD, jwtPayload, uniqueEmail, uniqueUsername } from "../helpers/fixtures.js";
import { startStack, type Stack } from "../helpers/stack.js";

let stack: Stack;
let api: Client;
const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";
const USER_AGENT = "admin-e2e/1.0";

beforeAll(async () => {
  stack = await startStack();
  api = client(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

interface Account {
  email: string;
  username?: string;
  accessToken: string;
  refreshToken: string;
  user: { id: string; roles: string[] };
}

async function signupUser(extra: Record<string, unknown> = {}): Promise<Account> {
  const email = uniqueEmail();
  const reply = await api.post("/auth/signup", { email, password: PASSWORD, ...extra }, { headers: { "user-agent": USER_AGENT } });
  expect(reply.status, reply.text).toBe(201);
  return { email, ...(extra.username ? { username: String(extra.username) } : {}), ...reply.body };
}

function grantRole(email: string, role: string) {
  return promisify(execFile)("npm", ["run", "-s", "grant-role", "--", email, role], {
    env: { ...process.env, AUTH_DATA_DIR: stack.dataDir },
  });
}

/** An admin whose signup token already carries the role: the authorizer reads the current roles. */
async function signupAdmin(): Promise<Account> {
  const account = await signupUser();
  await grantRole(account.email, "admin");
  return account;
}

const del = (path: string, token: string, body?: unknown) => api.request("DELETE", path, body, { token });
const patch = (path: string, token: string, body: unknown) => api.request("PATCH", path, body, { token });
const signin = (email: string, password = PASSWORD) => api.post("/auth/signin", { email, password }, { headers: { "user-agent": USER_AGENT } });

/** An error the contract describes: JSON, a message, a stable snake_case `code` (the one given), nothing internal. */
function expectCleanError(reply: Reply, status: number, code?: string) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get("content-type")).toMatch(/application\/json/);
  expect(typeof reply.body?.message).toBe("string");
  expect(reply.body?.code, reply.text).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
  if (code !== undefined) expect(reply.body.code, reply.text).toBe(code);
  expect(reply.text).not.toMatch(/Exception|Error:|\bat \S+:\d+|node_modules|\.ts\b|\.mjs\b|DynamoDB|ConditionalCheck|stack/i);
}

/** Every admin route, called on `target`. */
const adminCalls = (target: string) =>
  [
    ["GET /users", (token: string) => api.get("/users", { token })],
    ["GET /users?email", (token: string) => api.get(`/users?email=${encodeURIComponent("someone@example.com")}`, { token })],
    ["GET /users/{id}", (token: string) => api.get(`/users/${target}`, { token })],
    ["PATCH /users/{id}", (token: string) => patch(`/users/${target}`, token, { disabled: true })],
    ["DELETE /users/{id}", (token: string) => del(`/users/${target}`, token)],
    ["GET /users/{id}/events", (token: string) => api.get(`/users/${target}/events`, { token })],
    ["GET /users/{id}/identities", (token: string) => api.get(`/users/${target}/identities`, { token })],
    ["PUT /users/{id}/roles", (token: string) => api.put(`/users/${target}/roles`, { roles: ["admin"] }, { token })],
  ] as const;

describe("who may call the admin routes", () => {
  it("answers 403 to a user and to a moderator on every admin route, and changes nothing", async () => {
    const target = await signupUser();
    const user = await signupUser();
    const moderator = await signupUser();
    await grantRole(moderator.email, "moderator");
    for (const caller of [user, moderator]) {
      for (const [route, call] of adminCalls(target.user.id)) {
        const reply = await call(caller.accessToken);
        expect(reply.status, `${route} as ${caller === user ? "user" : "moderator"}`).toBe(403);
        expectCleanError(reply, 403, "forbidden");
      }
    }
    // The target is untouched: still enabled, still signed in, still a user.
    expect((await api.get("/users/me", { token: target.accessToken })).body.user).toMatchObject({ roles: ["user"] });
    expect((await api.get("/users/me", { token: target.accessToken })).body.user.disabled).toBeUndefined();
  });

  it("answers 401 without a token on every admin route and on the self-service ones", async () => {
    for (const [route, call] of adminCalls(UNKNOWN_ID)) expect((await call("")).status, route).toBe(401);
    expect((await api.get("/users/me/events")).status).toBe(401);
    expect((await api.request("DELETE", "/users/me", { currentPassword: PASSWORD })).status).toBe(401);
  });
});

describe("bad input", () => {
  it("answers 400 to limits out of 1..100 or not integers, forged and altered cursors, and bad emails", async () => {
    const admin = await signupAdmin();
    await signupUser();
    await signupUser();
    const lists = ["/users", "/users/me/events", `/users/${admin.user.id}/events`];
    for (const list of lists) {
      for (const limit of ["0", "101", "x", "1.5", "-1", "", "1e1"]) {
        expectCleanError(await api.get(`${list}?limit=${limit}`, { token: admin.accessToken }), 400, "invalid_request");
      }
      for (const cursor of ["abc", "a.b", "x".repeat(2000), "eyJwayI6IlVTRVIjMSJ9." + "A".repeat(43)]) {
        expectCleanError(await api.get(`${list}?cursor=${encodeURIComponent(cursor)}`, { token: admin.accessToken }), 400, "invalid_request");
      }
    }
    // A real cursor, altered by one character of its key or its signature, or used on another list.
    const page = await api.get("/users?limit=1", { token: admin.accessToken });
    expect(page.status).toBe(200);
    const cursor: string = page.body.nextCursor;
    expect(typeof cursor).toBe("string");
    const [payload, signature] = cursor.split(".") as [string, string];
    const key = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const otherKey = Buffer.from(JSON.stringify({ ...key, listSk: "0000" })).toString("base64url");
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
    for (const altered of [`${otherKey}.${signature}`, `${payload}.${flip(signature, 5)}`, `${flip(payload, 3)}.${signature}`]) {
      expectCleanError(await api.get(`/users?cursor=${encodeURIComponent(altered)}`, { token: admin.accessToken }), 400, "invalid_request");
    }
    expectCleanError(await api.get(`/users/me/events?cursor=${encodeURIComponent(cursor)}`, { token: admin.accessToken }), 400, "invalid_request");
    expectCleanError(await api.get(`/users?email=${encodeURIComponent("a@b.c")}&cursor=${encodeURIComponent(cursor)}`, { token: admin.accessToken }), 400, "invalid_request");
    expect((await api.get(`/users?cursor=${encodeURIComponent(cursor)}`, { token: admin.accessToken })).status).toBe(200);
    for (const email of ["", "not-an-email", "x".repeat(300) + "@example.com"]) {
      expectCleanError(await api.get(`/users?email=${encodeURIComponent(email)}`, { token: admin.accessToken }), 400, "invalid_request");
    }
  });

  it("answers 404 to malformed and unknown ids on every {id} route (neither names a user), and 400 to wrong bodies", async () => {
    const admin = await signupAdmin();
    for (const id of ["not-a-uuid", "123", `${UNKNOWN_ID}x`, UNKNOWN_ID.slice(0, -1)]) {
      for (const [route, call] of adminCalls(encodeURIComponent(id))) {
        if (route.startsWith("GET /users?") || route === "GET /users") continue;
        expectCleanError(await call(admin.accessToken), 404, "not_found");
      }
    }
    for (const body of [{}, { disabled: "true" }, { disabled: 1 }, { disabled: null }, [], "x"]) {
      expectCleanError(await patch(`/users/${UNKNOWN_ID}`, admin.accessToken, body), 400, "invalid_request");
    }
    for (const [route, call] of adminCalls(UNKNOWN_ID)) {
      if (route.startsWith("GET /users?") || route === "GET /users") continue;
      expectCleanError(await call(admin.accessToken), 404, "not_found");
    }
    for (const body of [{}, { currentPassword: 42 }, { currentPassword: "" }]) {
      expectCleanError(await del("/users/me", admin.accessToken, body), 400, "invalid_request");
    }
  });
});

describe("listing and finding users", () => {
  it("lists users newest first, page by page, without hashes, and finds one by email case-insensitively", async () => {
    const admin = await signupAdmin();
    const created = [await signupUser(), await signupUser({ username: uniqueUsername(), name: "Grace" }), await signupUser()];
    const seen: { id: string; createdAt: string }[] = [];
    let cursor: string | undefined;
    do {
      const reply = await api.get(`/users?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: admin.accessToken });
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.users.length).toBeLessThanOrEqual(2);
      expect(reply.text).not.toMatch(/passwordHash|\$2[aby]\$|listPk|listSk/);
      seen.push(...reply.body.users);
      cursor = reply.body.nextCursor;
    } while (cursor && seen.length < 500);
    const ids = seen.map((u) => u.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const account of [admin, ...created]) expect(ids).toContain(account.user.id);
    const times = seen.map((u) => u.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    // The newest users of this test come first, in reverse order of signup.
    expect(ids.indexOf(created[2]!.user.id)).toBeLessThan(ids.indexOf(created[0]!.user.id));

    const found = await api.get(`/users?email=${encodeURIComponent(`  ${created[1]!.email.toUpperCase()} `)}`, { token: admin.accessToken });
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ users: [expect.objectContaining({ id: created[1]!.user.id, name: "Grace" })] });
    expect(found.body.nextCursor).toBeUndefined();
    expect((await api.get(`/users?email=${encodeURIComponent(uniqueEmail("nobody"))}`, { token: admin.accessToken })).body).toEqual({ users: [] });

    const one = await api.get(`/users/${created[1]!.user.id}`, { token: admin.accessToken });
    expect(one.status).toBe(200);
    expect(one.body.user).toMatchObject({ id: created[1]!.user.id, email: created[1]!.email, roles: ["user"] });
    expect(one.text).not.toMatch(/passwordHash|\$2[aby]\$/);
    expect((await api.get("/users?limit=100", { token: admin.accessToken })).status).toBe(200);
  });
});

describe("deleting an account", () => {
  it("deletes the caller's own account with the current password; its email and username can sign up again", async () => {
    const username = uniqueUsername();
    const account = await signupUser({ username });
    const other = await signin(account.email);
    expectCleanError(await del("/users/me", account.accessToken, { currentPassword: "wrong password!" }), 401, "wrong_password");
    expect((await del("/users/me", account.accessToken, { currentPassword: PASSWORD })).status).toBe(204);

    // Every session ended at once: access tokens and refresh tokens of both sessions.
    for (const token of [account.accessToken, other.body.accessToken]) expect((await api.get("/users/me", { token })).status).toBe(401);
    for (const refreshToken of [account.refreshToken, other.body.refreshToken]) {
      expect((await api.post("/auth/refresh", { refreshToken })).status).toBe(401);
    }
    expect((await signin(account.email)).status).toBe(401);

    const again = await api.post("/auth/signup", { email: account.email.toUpperCase(), username, password: PASSWORD });
    expect(again.status, again.text).toBe(201);
    expect(again.body.user.id).not.toBe(account.user.id);
    expect((await signin(account.email)).status).toBe(200);
  });

  it("counts wrong passwords at account deletion in the lockout", async () => {
    const account = await signupUser();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await del("/users/me", account.accessToken, { currentPassword: "wrong password!" })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
    const locked = await del("/users/me", account.accessToken, { currentPassword: PASSWORD });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await api.get("/users/me", { token: account.accessToken })).status).toBe(200);
  });

  it("lets an admin delete a user: its sessions end at once and its email and username are free again", async () => {
    const admin = await signupAdmin();
    const username = uniqueUsername();
    const target = await signupUser({ username });
    expect((await del(`/users/${target.user.id}`, admin.accessToken)).status).toBe(204);
    expect((await api.get("/users/me", { token: target.accessToken })).status).toBe(401);
    expect((await api.post("/auth/refresh", { refreshToken: target.refreshToken })).status).toBe(401);
    expectCleanError(await api.get(`/users/${target.user.id}`, { token: admin.accessToken }), 404, "not_found");
    expectCleanError(await del(`/users/${target.user.id}`, admin.accessToken), 404, "not_found");
    expect((await api.get(`/users?email=${encodeURIComponent(target.email)}`, { token: admin.accessToken })).body).toEqual({ users: [] });
    const again = await api.post("/auth/signup", { email: target.email, username, password: PASSWORD });
    expect(again.status, again.text).toBe(201);
    // The deleted account's events stay readable by an admin until they expire, ending with its deletion.
    const events = await api.get(`/users/${target.user.id}/events`, { token: admin.accessToken });
    expect(events.status).toBe(200);
    expect(events.body.events[0]).toMatchObject({ type: "account_deleted" });
  });
});

describe("disabling and enabling", () => {
  it("ends every session at once, answers signin 403 after the right password only, and enabling restores signin", async () => {
    const admin = await signupAdmin();
    const target = await signupUser();
    const disabled = await patch(`/users/${target.user.id}`, admin.accessToken, { disabled: true });
    expect(disabled.status, disabled.text).toBe(200);
    expect(disabled.body.user).toMatchObject({ id: target.user.id, disabled: true });

    expect((await api.get("/users/me", { token: target.accessToken })).status).toBe(401);
    expect((await api.post("/auth/refresh", { refreshToken: target.refreshToken })).status).toBe(401);
    expectCleanError(await signin(target.email), 403, "account_disabled");
    expectCleanError(await signin(target.email, "wrong password!"), 401, "invalid_credentials");
    expect((await api.get(`/users/${target.user.id}`, { token: admin.accessToken })).body.user.disabled).toBe(true);

    const enabled = await patch(`/users/${target.user.id}`, admin.accessToken, { disabled: false });
    expect(enabled.status).toBe(200);
    expect(enabled.body.user.disabled).toBeUndefined();
    const back = await signin(target.email);
    expect(back.status).toBe(200);
    expect((await api.get("/users/me", { token: back.body.accessToken })).status).toBe(200);
    // Sessions ended by disabling stay ended.
    expect((await api.get("/users/me", { token: target.accessToken })).status).toBe(401);
  });
});

describe("role changes", () => {
  it("reach an existing access token at once: a demoted admin's old token gets 403 where admin is needed", async () => {
    const admin = await signupAdmin();
    const other = await signupAdmin();
    expect((await api.get("/messages/admin", { token: other.accessToken })).status).toBe(200);
    expect(jwtPayload(other.accessToken).roles).toEqual(["user"]); // the token never said admin: the authorizer's read did

    const demoted = await api.put(`/users/${other.user.id}/roles`, { roles: ["user"] }, { token: admin.accessToken });
    expect(demoted.status).toBe(200);
    expectCleanError(await api.get("/messages/admin", { token: other.accessToken }), 403, "forbidden");
    expectCleanError(await api.get("/users", { token: other.accessToken }), 403, "forbidden");
    expect((await api.get("/messages/protected", { token: other.accessToken })).status).toBe(200);

    await api.put(`/users/${other.user.id}/roles`, { roles: ["user", "moderator"] }, { token: admin.accessToken });
    expect((await api.get("/messages/moderator", { token: other.accessToken })).status).toBe(200);
  });

  it("keeps an admin from removing their own admin role, disabling or deleting themselves (409)", async () => {
    const admin = await signupAdmin();
    expectCleanError(await api.put(`/users/${admin.user.id}/roles`, { roles: ["user"] }, { token: admin.accessToken }), 409, "self_protection");
    expectCleanError(await patch(`/users/${admin.user.id}`, admin.accessToken, { disabled: true }), 409, "self_protection");
    expectCleanError(await del(`/users/${admin.user.id}`, admin.accessToken), 409, "self_protection");
    expectCleanError(await del("/users/me", admin.accessToken, { currentPassword: PASSWORD }), 409, "self_protection");
    // Still an enabled admin, and may change their other roles.
    const kept = await api.put(`/users/${admin.user.id}/roles`, { roles: ["admin", "moderator"] }, { token: admin.accessToken });
    expect(kept.status).toBe(200);
    expect(kept.body.user.roles).toEqual(["admin", "moderator"]);
    expect((await api.get("/messages/admin", { token: admin.accessToken })).status).toBe(200);

    // Once another admin has removed the role, the account may be deleted by its owner.
    const other = await signupAdmin();
    await api.put(`/users/${admin.user.id}/roles`, { roles: ["user"] }, { token: other.accessToken });
    expect((await del("/users/me", admin.accessToken, { currentPassword: PASSWORD })).status).toBe(204);
  });
});

describe("audit events", () => {
  it("records failed and successful signins, newest first, with session, IP and User-Agent, and no secret", async () => {
    const admin = await signupAdmin();
    const account = await signupUser();
    expect((await signin(account.email, "wrong password!")).status).toBe(401);
    expect((await signin(account.email, "another wrong one")).status).toBe(401);
    const ok = await signin(account.email);
    expect(ok.status).toBe(200);

    const mine = await api.get("/users/me/events", { token: account.accessToken });
    expect(mine.status, mine.text).toBe(200);
    expect(mine.body.events.map((e: { type: string }) => e.type)).toEqual(["signin", "signin_failed", "signin_failed", "signup"]);
    const [signinEvent, failed, , signupEvent] = mine.body.events;
    expect(signinEvent).toMatchObject({ sessionId: jwtPayload(ok.body.accessToken).sid, method: "password", userAgent: USER_AGENT });
    expect(signupEvent).toMatchObject({ sessionId: jwtPayload(account.accessToken).sid, userAgent: USER_AGENT });
    expect(failed.sessionId).toBeUndefined();
    expect(typeof signinEvent.ipAddress).toBe("string");
    for (const event of mine.body.events) {
      expect(Object.keys(event).every((k) => ["type", "at", "sessionId", "method", "ipAddress", "userAgent", "device"].includes(k))).toBe(true);
      expect(new Date(event.at).toISOString()).toBe(event.at);
    }
    const times = mine.body.events.map((e: { at: string }) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(mine.text).not.toContain(PASSWORD);
    expect(mine.text).not.toContain(ok.body.refreshToken);

    const theirs = await api.get(`/users/${account.user.id}/events`, { token: admin.accessToken });
    expect(theirs.status).toBe(200);
    expect(theirs.body.events).toEqual(mine.body.events);

    // Page by page with the cursor; a cursor of one user's events is no good for another's.
    const first = await api.get(`/users/${account.user.id}/events?limit=3`, { token: admin.accessToken });
    expect(first.body.events).toHaveLength(3);
    const second = await api.get(`/users/${account.user.id}/events?limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`, {
      token: admin.accessToken,
    });
    expect(second.status).toBe(200);
    expect([...first.body.events, ...second.body.events]).toEqual(mine.body.events);
    expect(second.body.nextCursor).toBeUndefined();
    expectCleanError(await api.get(`/users/${admin.user.id}/events?cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: admin.accessToken }), 400, "invalid_request");
    expectCleanError(await api.get(`/users/me/events?cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: admin.accessToken }), 400, "invalid_request");
    // The owner's own list is the same list: the cursor carries on there.
    const own = await api.get(`/users/me/events?limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: account.accessToken });
    expect(own.body.events).toEqual(second.body.events);
  });

  it("records password change, role changes, disabling, enabling and lockout", async () => {
    const admin = await signupAdmin();
    const account = await signupUser();
    const types = async () =>
      (await api.get(`/users/${account.user.id}/events?limit=100`, { token: admin.accessToken })).body.events.map((e: { type: string }) => e.type);

    const changed = await api.post("/auth/password", { currentPassword: PASSWORD, newPassword: "a new long passphrase" }, { token: account.accessToken });
    expect(changed.status).toBe(204);
    await api.put(`/users/${account.user.id}/roles`, { roles: ["user", "moderator"] }, { token: admin.accessToken });
    await patch(`/users/${account.user.id}`, admin.accessToken, { disabled: true });
    await patch(`/users/${account.user.id}`, admin.accessToken, { disabled: false });
    expect((await types()).slice(0, 4)).toEqual(["enabled", "disabled", "roles_changed", "password_changed"]);

    // The fifth failure in a row locks the account: recorded with the lock.
    for (let i = 0; i < 5; i++) expect((await signin(account.email, "wrong password!")).status).toBe(401);
    expect((await types()).slice(0, 3)).toEqual(["locked_out", "signin_failed", "signin_failed"]);
  });
});
