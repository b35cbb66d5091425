// The HTTP contract (../shared/CONTRACT.md) driven over HTTP through
// serverless offline, the real authorizer and DynamoDB Local.
import { execFile } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, type Client, type Reply } from "../helpers/client.js";
import { PASSWORD, jwtHeader, jwtPayload, uniqueEmail, uniqueUsername } from "../helpers/fixtures.js";
import { attacksOn, forgeToken, publishedKeyOf } from "../helpers/forge.js";
import { startStack, type Stack } from "../helpers/stack.js";

let stack: Stack;
let api: Client;
const secrets: string[] = []; // every password and token used, to scan the logs for at the end

beforeAll(async () => {
  stack = await startStack();
  api = client(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

async function signupUser(extra: Record<string, unknown> = {}) {
  const email = uniqueEmail();
  const reply = await api.post("/auth/signup", { email, password: PASSWORD, ...extra });
  expect(reply.status, reply.text).toBe(201);
  secrets.push(reply.body.accessToken, reply.body.refreshToken);
  return { email, ...reply.body } as { email: string; accessToken: string; refreshToken: string; user: { id: string } };
}

function grantRole(email: string, role: string) {
  return promisify(execFile)("npm", ["run", "-s", "grant-role", "--", email, role], {
    env: { ...process.env, AUTH_DATA_DIR: stack.dataDir },
  });
}

/** An error the contract describes: JSON, a message, a stable snake_case `code` (the one given), nothing internal. */
function expectCleanError(reply: Reply, status: number, code?: string) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get("content-type")).toMatch(/application\/json/);
  expect(typeof reply.body?.message).toBe("string");
  expect(reply.body?.code, reply.text).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
  if (code !== undefined) expect(reply.body.code, reply.text).toBe(code);
  expect(reply.text).not.toMatch(/Exception|Error:|\bat \S+:\d+|node_modules|\.ts\b|\.mjs\b|DynamoDB|ConditionalCheck|stack/i);
}

describe("signup", () => {
  it("answers 201 with a session, roles ['user'] whatever the body says, and no password or hash", async () => {
    const username = uniqueUsername("Ada");
    const reply = await api.post("/auth/signup", {
      email: `  ${uniqueEmail("Mixed").toUpperCase()} `,
      password: PASSWORD,
      username,
      name: "Ada Lovelace",
      roles: ["admin"],
    });
    expect(reply.status).toBe(201);
    const { user, accessToken, refreshToken, tokenType, expiresIn } = reply.body;
    expect(user).toMatchObject({ username, name: "Ada Lovelace", roles: ["user"] });
    expect(user.email).toMatch(/^mixed-[0-9a-f]{8}@example\.com$/);
    expect(typeof user.id).toBe("string");
    expect(new Date(user.createdAt).toISOString()).toBe(user.createdAt);
    expect(Object.keys(user).sort()).toEqual(["createdAt", "email", "emailVerified", "hasPassword", "id", "mfaEnabled", "name", "roles", "username"]);
    expect(user).toMatchObject({ hasPassword: true, mfaEnabled: false });
    expect(tokenType).toBe("Bearer");
    expect(expiresIn).toBe(900);
    expect(Buffer.from(refreshToken, "base64url").length).toBeGreaterThanOrEqual(32);
    // `hasPassword` says whether there is one; nothing else may even name a password.
    expect(reply.text.replace(/"hasPassword":(?:true|false)/g, "")).not.toMatch(/password|\$2[aby]\$/i);

    expect(jwtHeader(accessToken)).toEqual({ alg: "RS256", typ: "at+jwt", kid: expect.any(String) });
    const claims = jwtPayload(accessToken);
    expect(claims).toMatchObject({ sub: user.id, roles: ["user"] });
    for (const claim of ["sid", "iss", "aud", "iat", "exp", "jti"]) expect(claims[claim]).toBeDefined();
    expect(claims).toMatchObject({ amr: ["pwd"], permissions: [], client_id: "first-party" });
    secrets.push(accessToken, refreshToken);
  });

  it("answers 409 for an email already taken in any case or spacing, and for a taken username in any case", async () => {
    const username = uniqueUsername();
    const { email } = await signupUser({ username });
    expectCleanError(await api.post("/auth/signup", { email: ` ${email.toUpperCase()}`, password: PASSWORD }), 409, "email_taken");
    expectCleanError(await api.post("/auth/signup", { email: uniqueEmail(), password: PASSWORD, username: username.toUpperCase() }), 409, "username_taken");
  });

  it("gives exactly one 201 and otherwise 409 for 20 parallel signups with one email", async () => {
    const email = uniqueEmail("race");
    const replies = await Promise.all(Array.from({ length: 20 }, () => api.post("/auth/signup", { email, password: PASSWORD })));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
  });

  // Each case gets its own email (made by `e`), so "creates nothing" can be proven by signing up with it afterwards.
  const badBodies: [string, (e: string) => unknown][] = [
    ["missing email", () => ({ password: PASSWORD })],
    ["missing password", (e) => ({ email: e })],
    ["email not a string", () => ({ email: 42, password: PASSWORD })],
    ["password not a string", (e) => ({ email: e, password: ["a"] })],
    ["malformed email", () => ({ email: "not-an-email", password: PASSWORD })],
    ["malformed username", (e) => ({ email: e, password: PASSWORD, username: "no spaces allowed" })],
    ["name not a string", (e) => ({ email: e, password: PASSWORD, name: { first: "A" } })],
    ["password too short", (e) => ({ email: e, password: "Sh0rt!" })],
    ["password over 72 bytes", (e) => ({ email: e, password: "ü".repeat(37) })],
    ["common password", (e) => ({ email: e, password: "password123" })],
    ["password equal to email", (e) => ({ email: e, password: e.toUpperCase() })],
    ["password equal to username", (e) => ({ email: e, password: "Quite_Unique_Name", username: "quite_unique_name" })],
    ["a JSON array", () => [1, 2]],
    ["JSON null", () => null],
  ];
  for (const [name, makeBody] of badBodies) {
    it(`answers 400 JSON for ${name}, and creates nothing`, async () => {
      const email = uniqueEmail("bad");
      const reply = await api.request("POST", "/auth/signup", undefined, {
        raw: JSON.stringify(makeBody(email)),
        headers: { "content-type": "application/json" },
      });
      expectCleanError(reply, 400, "invalid_request");
      expect((await api.post("/auth/signup", { email, password: PASSWORD })).status).toBe(201);
    });
  }

  it("answers 400 for a body that is not valid JSON", async () => {
    expectCleanError(await api.request("POST", "/auth/signup", undefined, { raw: "{email:", headers: { "content-type": "application/json" } }), 400, "invalid_json");
  });

  it("answers 415 for a body not declared as JSON", async () => {
    const body = JSON.stringify({ email: uniqueEmail(), password: PASSWORD });
    expectCleanError(await api.request("POST", "/auth/signup", undefined, { raw: body, headers: { "content-type": "text/plain" } }), 415, "unsupported_media_type");
  });

  it("answers 415 for a body sent without any Content-Type", async () => {
    const email = uniqueEmail();
    const reply = await api.request("POST", "/auth/signup", undefined, {
      raw: JSON.stringify({ email, password: PASSWORD }),
      headers: { "content-type": "" },
    });
    expectCleanError(reply, 415, "unsupported_media_type");
    expect((await api.post("/auth/signup", { email, password: PASSWORD })).status).toBe(201);
  });

  it("answers 413 for a body over 16 KiB", async () => {
    const reply = await api.post("/auth/signup", { email: uniqueEmail(), password: PASSWORD, name: "x".repeat(17 * 1024) });
    expect([413, 400]).toContain(reply.status);
    expectCleanError(reply, reply.status, reply.status === 413 ? "payload_too_large" : "invalid_request");
  });
});

describe("signin", () => {
  it("signs in by email (any case) or username and returns a new session", async () => {
    const username = uniqueUsername();
    const { email, user } = await signupUser({ username });
    const byEmail = await api.post("/auth/signin", { email: email.toUpperCase(), password: PASSWORD });
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.user.id).toBe(user.id);
    expect(byEmail.body.tokenType).toBe("Bearer");
    const byUsername = await api.post("/auth/signin", { username, password: PASSWORD });
    expect(byUsername.status).toBe(200);
    expect(jwtPayload(byUsername.body.accessToken).sid).not.toBe(jwtPayload(byEmail.body.accessToken).sid);
    secrets.push(byEmail.body.accessToken, byUsername.body.refreshToken);
  });

  it("answers an unknown email and a wrong password with the same 401 and comparable time", async () => {
    const { email } = await signupUser();
    const unknown: number[] = [];
    const wrong: number[] = [];
    let unknownReply: Reply | undefined;
    let wrongReply: Reply | undefined;
    // Interleaved, on a fresh unknown email each time and under the lockout threshold.
    for (let round = 0; round < 4; round++) {
      let started = performance.now();
      unknownReply = await api.post("/auth/signin", { email: uniqueEmail("nobody"), password: "Wrong password 1" });
      unknown.push(performance.now() - started);
      started = performance.now();
      wrongReply = await api.post("/auth/signin", { email, password: `Wrong password ${round}` });
      wrong.push(performance.now() - started);
    }
    expectCleanError(unknownReply!, 401, "invalid_credentials");
    expectCleanError(wrongReply!, 401, "invalid_credentials");
    expect(unknownReply!.body).toEqual(wrongReply!.body);
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Without the dummy comparison an unknown email would answer several times faster than a wrong password.
    expect(median(unknown) / median(wrong)).toBeGreaterThan(0.5);
  });

  it("answers 400 for a signin body without credentials", async () => {
    expectCleanError(await api.post("/auth/signin", { password: PASSWORD }), 400, "invalid_request");
    expectCleanError(await api.post("/auth/signin", { email: "a@b.co", password: 12 }), 400, "invalid_request");
  });
});

describe("bearer routes and the authorizer", () => {
  it("GET /users/me answers the caller", async () => {
    const { accessToken, user } = await signupUser();
    const reply = await api.get("/users/me", { token: accessToken });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ user });
  });

  it("answers 401 without a token or with a malformed Authorization header", async () => {
    const { accessToken } = await signupUser();
    for (const authorization of [undefined, "", "Bearer", "Bearer   ", `Basic ${accessToken}`, accessToken, "Bearer a.b"]) {
      const reply = await api.get("/users/me", { headers: authorization === undefined ? {} : { authorization } });
      expect(reply.status, String(authorization)).toBe(401);
      expect(typeof reply.body?.message).toBe("string");
    }
  });

  it("answers 401 to JWT attacks: alg none, algorithm confusion, PS256, another key under our kid, unknown kid, jku/x5u, tampered payload, stripped signature", async () => {
    const { accessToken } = await signupUser();
    for (const [attack, token] of Object.entries(attacksOn(accessToken, publishedKeyOf(accessToken, join(stack.dataDir, "public-keys.json"))))) {
      for (const path of ["/users/me", "/messages/protected", "/messages/admin"]) {
        const reply = await api.get(path, { token });
        expect(reply.status, `${attack} on ${path}`).toBe(401);
        expect(typeof reply.body?.message).toBe("string");
      }
    }
  });

  it("ignores headers that try to replace the authorizer's verdict (offline's override header)", async () => {
    const { accessToken, user } = await signupUser();
    const forged = JSON.stringify({ userId: user.id, roles: "admin", sid: "x", session: "active" });
    const reply = await api.get("/messages/admin", { token: accessToken, headers: { "sls-offline-authorizer-override": forged } });
    expect(reply.status).toBe(403);
  });

  it("answers 401 to an expired token signed with the real key", async () => {
    const { accessToken } = await signupUser();
    const claims = jwtPayload(accessToken);
    const [signing] = JSON.parse(readFileSync(join(stack.dataDir, "signing-keys.json"), "utf8")).keys;
    const key = { rsa: createPrivateKey({ key: signing.jwk, format: "jwk" }) };
    const header = jwtHeader(accessToken);
    const now = Math.floor(Date.now() / 1000);
    const expired = forgeToken(header, { ...claims, iat: now - 1000, exp: now - 100 }, key);
    const fresh = forgeToken(header, { ...claims, iat: now, exp: now + 100 }, key);
    expect((await api.get("/users/me", { token: fresh })).status).toBe(200); // the same forging is accepted when valid
    expect((await api.get("/users/me", { token: expired })).status).toBe(401);
  });
});

describe("roles", () => {
  it("serves each message to exactly the roles the contract names", async () => {
    const expectMessages = async (token: string, expected: Record<string, number>) => {
      for (const [name, status] of Object.entries(expected)) {
        const reply = await api.get(`/messages/${name}`, { token });
        expect(reply.status, name).toBe(status);
        if (status === 200) expect(reply.body).toEqual({ text: `This is a${name === "admin" ? "n" : ""} ${name} message.` });
        else expectCleanError(reply, status, status === 401 ? "unauthorized" : "forbidden");
      }
    };
    expect((await api.get("/messages/public")).body).toEqual({ text: "This is a public message." });

    const { email, accessToken } = await signupUser();
    await expectMessages(accessToken, { protected: 200, moderator: 403, admin: 403 });

    await grantRole(email, "moderator");
    const asModerator = (await api.post("/auth/signin", { email, password: PASSWORD })).body.accessToken;
    await expectMessages(asModerator, { protected: 200, moderator: 200, admin: 403 });

    await grantRole(email, "admin");
    const asAdmin = (await api.post("/auth/signin", { email, password: PASSWORD })).body.accessToken;
    await expectMessages(asAdmin, { protected: 200, moderator: 200, admin: 200 });
  });

  it("PUT /users/{id}/roles is for admins, validates roles and answers the user", async () => {
    const admin = await signupUser();
    await grantRole(admin.email, "admin");
    const adminToken = (await api.post("/auth/signin", { email: admin.email, password: PASSWORD })).body.accessToken;
    const target = await signupUser();

    expectCleanError(await api.put(`/users/${admin.user.id}/roles`, { roles: ["admin"] }, { token: target.accessToken }), 403, "forbidden");
    expectCleanError(await api.put(`/users/${target.user.id}/roles`, { roles: ["root"] }, { token: adminToken }), 400, "invalid_request");
    expectCleanError(await api.put(`/users/${target.user.id}/roles`, { roles: "admin" }, { token: adminToken }), 400, "invalid_request");
    expectCleanError(await api.put("/users/00000000-0000-4000-8000-000000000000/roles", { roles: ["user"] }, { token: adminToken }), 404, "not_found");

    const reply = await api.put(`/users/${target.user.id}/roles`, { roles: ["user", "moderator"] }, { token: adminToken });
    expect(reply.status).toBe(200);
    expect(reply.body.user).toMatchObject({ id: target.user.id, roles: ["user", "moderator"] });
    // The new roles reach the target's next access token.
    const refreshed = await api.post("/auth/refresh", { refreshToken: target.refreshToken });
    expect(jwtPayload(refreshed.body.accessToken).roles).toEqual(["user", "moderator"]);
  });

  it("grant-role fails clearly for an unknown email or role", async () => {
    await expect(grantRole(uniqueEmail("nobody"), "admin")).rejects.toMatchObject({ stderr: expect.stringMatching(/no user with email/) });
    const { email } = await signupUser();
    await expect(grantRole(email, "root")).rejects.toMatchObject({ stderr: expect.stringMatching(/role must be one of/) });
  });
});

describe("CORS", () => {
  const allowed = "https://app.example.com";

  it("answers a preflight from a configured origin with that origin", async () => {
    const reply = await api.request("OPTIONS", "/auth/signin", undefined, {
      headers: { origin: allowed, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(reply.status).toBeLessThan(300);
    expect(reply.headers.get("access-control-allow-origin")).toBe(allowed);
  });

  it("puts the origin on successes and on 4xx, including the authorizer's 401 and a handler's 403", async () => {
    const { accessToken } = await signupUser();
    const headers = { origin: allowed };
    expect((await api.get("/messages/public", { headers })).headers.get("access-control-allow-origin")).toBe(allowed);
    const unauthorized = await api.get("/users/me", { headers, token: "a.b.c" });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("access-control-allow-origin")).toBe(allowed);
    const forbidden = await api.get("/messages/admin", { headers, token: accessToken });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("access-control-allow-origin")).toBe(allowed);
    const invalid = await api.post("/auth/signup", {}, { headers });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get("access-control-allow-origin")).toBe(allowed);
  });

  it("never echoes an origin that is not configured", async () => {
    const headers = { origin: "https://evil.example" };
    const replies = [
      await api.get("/messages/public", { headers }),
      await api.get("/users/me", { headers }),
      await api.post("/auth/signin", { email: "a@b.co", password: "x" }, { headers }),
      await api.request("OPTIONS", "/auth/signin", undefined, { headers: { ...headers, "access-control-request-method": "POST" } }),
    ];
    for (const reply of replies) expect(reply.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("logs", () => {
  it("never contain a password, hash or token", async () => {
    // Let the last log lines arrive.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const output = stack.output();
    expect(output).toContain('"message":"request"'); // structured access lines are there to scan
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toMatch(/\$2[aby]\$\d\d\$/);
    for (const secret of secrets) expect(output).not.toContain(secret);
  });
});
