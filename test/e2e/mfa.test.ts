// The second factor over HTTP (serverless offline, the real authorizer,
// DynamoDB Local, the local SES engine), on a stack with
// MFA_REQUIRED_ROLES=admin: enrollment, the two-step signin and its `amr`,
// every route's error codes, the rule that a password session of a user with
// a second factor cannot weaken it, admin routes that need a multi-factor
// session, and the admin reset with the notices read from the local SES engine.
// TOTP codes are computed as an authenticator app would (otpauth); each time
// step is spent once, so a test that needs a second code takes the next step
// (one step of drift is allowed) or a recovery code.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { totpCodeAt } from "../../lib/methods/totp/totp.js";
import { client, type Client, type Reply } from "../helpers/client.js";
import { PASSWORD, jwtPayload, uniqueEmail } from "../helpers/fixtures.js";
import { mailbox, type Mailbox } from "../helpers/mailbox.js";
import { startStack, type Stack } from "../helpers/stack.js";

let stack: Stack;
let api: Client;
let mail: Mailbox;

beforeAll(async () => {
  stack = await startStack({ env: { MFA_REQUIRED_ROLES: "admin" } });
  api = client(stack.baseUrl);
  mail = mailbox(stack.mailUrl);
});

afterAll(async () => {
  await stack?.stop();
});

const STEP = 30_000;

function expectError(reply: Reply, status: number, code: string) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.body?.code, reply.text).toBe(code);
  expect(typeof reply.body?.message).toBe("string");
  expect(reply.text).not.toMatch(/Exception|Error:|\bat \S+:\d+|node_modules|DynamoDB|ConditionalCheck|stack/i);
}

interface Enrolled {
  email: string;
  userId: string;
  /** The signup's session: a password session, from before the second factor. */
  passwordToken: string;
  secret: string;
  recoveryCodes: string[];
}

async function signupUser(): Promise<{ email: string; userId: string; accessToken: string }> {
  const email = uniqueEmail();
  const reply = await api.post("/auth/signup", { email, password: PASSWORD });
  expect(reply.status, reply.text).toBe(201);
  return { email, userId: reply.body.user.id, accessToken: reply.body.accessToken };
}

/** Signs up and sets up TOTP, confirmed with the code of the current step. */
async function enrolledUser(): Promise<Enrolled> {
  const { email, userId, accessToken } = await signupUser();
  const started = await api.post("/users/me/mfa/totp", undefined, { token: accessToken });
  expect(started.status, started.text).toBe(201);
  const { secret } = started.body as { secret: string };
  const confirmed = await api.post("/users/me/mfa/totp/confirm", { code: totpCodeAt(secret, Date.now()) }, { token: accessToken });
  expect(confirmed.status, confirmed.text).toBe(200);
  return { email, userId, passwordToken: accessToken, secret, recoveryCodes: confirmed.body.recoveryCodes };
}

/** Both steps of a signin; the code of the next time step (within the allowed drift, and newer than any spent). */
async function signinWithTotp(user: Enrolled, stepsAhead = 1): Promise<{ accessToken: string; refreshToken: string }> {
  const first = await api.post("/auth/signin", { email: user.email, password: PASSWORD });
  expectError(first, 403, "mfa_required");
  const verified = await api.post("/auth/mfa/verify", { mfaToken: first.body.mfaToken, factor: "totp", code: totpCodeAt(user.secret, Date.now() + stepsAhead * STEP) });
  expect(verified.status, verified.text).toBe(200);
  return verified.body;
}

describe("enrolling TOTP over HTTP", () => {
  it("answers the secret and its otpauth URI, confirms with a current code, answers 10 recovery codes once, and emails the owner", async () => {
    const { email, accessToken } = await signupUser();
    expectError(await api.post("/users/me/mfa/totp/confirm", { code: "123456" }, { token: accessToken }), 409, "no_pending_enrollment");
    const started = await api.post("/users/me/mfa/totp", undefined, { token: accessToken });
    expect(started.status).toBe(201);
    expect(started.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(started.body.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    expect(started.body.otpauthUri).toContain(`secret=${started.body.secret}`);
    const status = await api.get("/users/me/mfa", { token: accessToken });
    expect(status.body).toEqual({ totp: { enabled: false }, passkeys: 0, recoveryCodes: { remaining: 0 } });
    const wrong = totpCodeAt(started.body.secret, Date.now() + 10 * STEP);
    expectError(await api.post("/users/me/mfa/totp/confirm", { code: wrong }, { token: accessToken }), 401, "invalid_mfa_code");
    expectError(await api.post("/users/me/mfa/totp/confirm", {}, { token: accessToken }), 400, "invalid_request");
    const confirmed = await api.post("/users/me/mfa/totp/confirm", { code: totpCodeAt(started.body.secret, Date.now()) }, { token: accessToken });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    const after = await api.get("/users/me/mfa", { token: accessToken });
    expect(after.body).toMatchObject({ totp: { enabled: true, createdAt: expect.any(String) }, recoveryCodes: { remaining: 10 } });
    expect((await api.get("/users/me", { token: accessToken })).body.user.mfaEnabled).toBe(true);
    const [notice] = await mail.waitFor(email, /Two-step sign-in was turned on/);
    expect(notice!.body.text).not.toContain(started.body.secret);
    for (const code of confirmed.body.recoveryCodes as string[]) expect(notice!.body.text).not.toContain(code);
  });
});

describe("signin in two steps over HTTP", () => {
  it("answers 403 mfa_required with an mfaToken and the factors, then a multi-factor session whose tokens say amr pwd, otp, mfa", async () => {
    const user = await enrolledUser();
    const first = await api.post("/auth/signin", { email: user.email, password: PASSWORD });
    expectError(first, 403, "mfa_required");
    expect(first.body.factors).toEqual(["totp", "recovery_code"]);
    expect(first.body.accessToken).toBeUndefined();
    const { mfaToken } = first.body as { mfaToken: string };
    expectError(await api.post("/auth/mfa/verify", { mfaToken, factor: "totp", code: "000000" }), 401, "invalid_mfa_code");
    expectError(await api.post("/auth/mfa/verify", { mfaToken, factor: "sms", code: "000000" }), 400, "invalid_request");
    expectError(await api.post("/auth/mfa/verify", { mfaToken: "x".repeat(43), factor: "totp", code: "000000" }), 401, "mfa_token_invalid");
    expectError(await api.request("POST", "/auth/mfa/verify", undefined, { raw: "{", headers: { "content-type": "application/json" } }), 400, "invalid_json");
    const code = totpCodeAt(user.secret, Date.now() + STEP);
    const verified = await api.post("/auth/mfa/verify", { mfaToken, factor: "totp", code });
    expect(verified.status, verified.text).toBe(200);
    expect(jwtPayload(verified.body.accessToken).amr).toEqual(["pwd", "otp", "mfa"]);
    expect((await api.get("/users/me", { token: verified.body.accessToken })).status).toBe(200);
    // The token is spent, and so is the step.
    expectError(await api.post("/auth/mfa/verify", { mfaToken, factor: "totp", code }), 401, "mfa_token_invalid");
    const again = await api.post("/auth/signin", { email: user.email, password: PASSWORD });
    expectError(await api.post("/auth/mfa/verify", { mfaToken: again.body.mfaToken, factor: "totp", code }), 401, "invalid_mfa_code");
    // A refresh keeps the session's amr.
    const refreshed = await api.post("/auth/refresh", { refreshToken: verified.body.refreshToken });
    expect(jwtPayload(refreshed.body.accessToken).amr).toEqual(["pwd", "otp", "mfa"]);
  });

  it("takes a recovery code once, and tells the owner", async () => {
    const user = await enrolledUser();
    const first = await api.post("/auth/signin", { email: user.email, password: PASSWORD });
    const code = user.recoveryCodes[0]!;
    const verified = await api.post("/auth/mfa/verify", { mfaToken: first.body.mfaToken, factor: "recovery_code", code });
    expect(verified.status, verified.text).toBe(200);
    expect(jwtPayload(verified.body.accessToken).amr).toEqual(["pwd", "otp", "mfa"]);
    const second = await api.post("/auth/signin", { email: user.email, password: PASSWORD });
    expectError(await api.post("/auth/mfa/verify", { mfaToken: second.body.mfaToken, factor: "recovery_code", code }), 401, "invalid_mfa_code");
    expect((await api.get("/users/me/mfa", { token: verified.body.accessToken })).body.recoveryCodes).toEqual({ remaining: 9 });
    const [notice] = await mail.waitFor(user.email, /recovery code of your .* account was used/);
    expect(notice!.body.text).not.toContain(code);
  });
});

describe("a password session of a user with a second factor", () => {
  it("cannot change the password, delete the account or enroll again (403 mfa_required); a multi-factor session can", async () => {
    const user = await enrolledUser();
    const token = user.passwordToken;
    expect(jwtPayload(token).amr).toEqual(["pwd"]);
    expectError(await api.post("/auth/password", { currentPassword: PASSWORD, newPassword: "a brand new passphrase" }, { token }), 403, "mfa_required");
    expectError(await api.request("DELETE", "/users/me", { currentPassword: PASSWORD }, { token }), 403, "mfa_required");
    expectError(await api.post("/users/me/mfa/totp", undefined, { token }), 403, "mfa_required");
    const strong = await signinWithTotp(user);
    expectError(await api.post("/users/me/mfa/totp", undefined, { token: strong.accessToken }), 409, "mfa_already_enabled");
    const changed = await api.post("/auth/password", { currentPassword: PASSWORD, newPassword: "a brand new passphrase" }, { token: strong.accessToken });
    expect(changed.status, changed.text).toBe(204);
  });

  it("removes TOTP or regenerates codes only with a current code", async () => {
    const user = await enrolledUser();
    const token = user.passwordToken;
    expectError(await api.post("/users/me/mfa/recovery-codes", { code: "000000" }, { token }), 401, "invalid_mfa_code");
    const regenerated = await api.post("/users/me/mfa/recovery-codes", { code: user.recoveryCodes[0] }, { token });
    expect(regenerated.status, regenerated.text).toBe(200);
    expect(regenerated.body.recoveryCodes).toHaveLength(10);
    expectError(await api.request("DELETE", "/users/me/mfa/totp", { code: user.recoveryCodes[1] }, { token }), 401, "invalid_mfa_code");
    const removed = await api.request("DELETE", "/users/me/mfa/totp", { code: regenerated.body.recoveryCodes[0] }, { token });
    expect(removed.status, removed.text).toBe(204);
    expect((await api.get("/users/me/mfa", { token })).body).toEqual({ totp: { enabled: false }, passkeys: 0, recoveryCodes: { remaining: 0 } });
    await mail.waitFor(user.email, /Two-step sign-in was turned off/);
    expectError(await api.request("DELETE", "/users/me/mfa/totp", { code: "123456" }, { token }), 404, "not_found");
    expect((await api.post("/auth/signin", { email: user.email, password: PASSWORD })).status).toBe(200);
  });
});

describe("MFA_REQUIRED_ROLES=admin", () => {
  const grantRole = (email: string, role: string) =>
    promisify(execFile)("npm", ["run", "-s", "grant-role", "--", email, role], { env: { ...process.env, AUTH_DATA_DIR: stack.dataDir } });
  const grantAdmin = (email: string) => grantRole(email, "admin");

  it("judges by the roles that let the caller in: a moderator's password session reads the moderator route, an admin's does not", async () => {
    const moderator = await signupUser();
    await grantRole(moderator.email, "moderator");
    expect((await api.get("/messages/moderator", { token: moderator.accessToken })).status).toBe(200);
    const admin = await signupUser();
    await grantAdmin(admin.email);
    expectError(await api.get("/messages/moderator", { token: admin.accessToken }), 403, "mfa_required");
  });

  it("admin routes answer 403 mfa_required to a password session, and work from a multi-factor one; the admin reset ends the user's sessions and emails the owner", async () => {
    const admin = await signupUser();
    await grantAdmin(admin.email);
    expectError(await api.get("/users", { token: admin.accessToken }), 403, "mfa_required");
    expectError(await api.get("/messages/admin", { token: admin.accessToken }), 403, "mfa_required");
    // A role the setting does not name is unaffected.
    expect((await api.get("/messages/protected", { token: admin.accessToken })).status).toBe(200);

    // The admin sets up TOTP (allowed: no second factor yet) and signs in with it.
    const started = await api.post("/users/me/mfa/totp", undefined, { token: admin.accessToken });
    await api.post("/users/me/mfa/totp/confirm", { code: totpCodeAt(started.body.secret, Date.now()) }, { token: admin.accessToken });
    const strong = await signinWithTotp({ email: admin.email, userId: admin.userId, passwordToken: admin.accessToken, secret: started.body.secret, recoveryCodes: [] });
    expect((await api.get("/users", { token: strong.accessToken })).status).toBe(200);

    const user = await enrolledUser();
    const userSession = await signinWithTotp(user);
    expectError(await api.request("DELETE", `/users/${admin.userId}/mfa`, undefined, { token: strong.accessToken }), 409, "self_protection");
    expectError(await api.request("DELETE", `/users/00000000-0000-4000-8000-000000000000/mfa`, undefined, { token: strong.accessToken }), 404, "not_found");
    expectError(await api.request("DELETE", `/users/${user.userId}/mfa`, undefined, { token: user.passwordToken }), 403, "forbidden");
    const reset = await api.request("DELETE", `/users/${user.userId}/mfa`, undefined, { token: strong.accessToken });
    expect(reset.status, reset.text).toBe(204);
    expect((await api.get("/users/me", { token: userSession.accessToken })).status).toBe(401);
    expect((await api.post("/auth/refresh", { refreshToken: userSession.refreshToken })).status).toBe(401);
    const [notice] = await mail.waitFor(user.email, /second factors of your .* account were removed/);
    expect(notice!.body.text).toBeTruthy();
    const signedIn = await api.post("/auth/signin", { email: user.email, password: PASSWORD });
    expect(signedIn.status, signedIn.text).toBe(200);
    expect(signedIn.body.user.mfaEnabled).toBe(false);
    const events = await api.get(`/users/${user.userId}/events`, { token: strong.accessToken });
    expect((events.body.events as { type: string }[]).map((event) => event.type)).toContain("mfa_reset");
  });
});
