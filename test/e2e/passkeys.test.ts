// Passkeys over HTTP (serverless offline, the real authorizer, DynamoDB Local, the local SES
// engine) with the software authenticator of the tests as the browser's authenticator, at the
// stack's APP_URL origin (RP ID: its host name). Every response is held to openapi.yaml by the
// client. Registration and its notice email, sign-in without a password and its access tokens'
// amr, the second step of a password signin, management, and the error codes of every route:
// 400 invalid_request, 401 invalid_passkey, 409 already_registered, 409 last_sign_in_method,
// 404 for another user's passkey, 403 mfa_required and account_disabled.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { totpCodeAt } from "../../lib/methods/totp/totp.js";
import { localClient, tableDefinitions } from "../../scripts/local-dynamodb.mjs";
import { client, type Client, type Reply } from "../helpers/client.js";
import { PASSWORD, jwtPayload, uniqueEmail } from "../helpers/fixtures.js";
import { mailbox, type Mailbox } from "../helpers/mailbox.js";
import { SoftAuthenticator, type AuthenticateOverrides, type RegisterOverrides } from "../helpers/soft-authenticator.js";
import { startStack, type Stack } from "../helpers/stack.js";

let stack: Stack;
let api: Client;
let mail: Mailbox;
let origin: string;
let rpId: string;

beforeAll(async () => {
  stack = await startStack();
  api = client(stack.baseUrl);
  mail = mailbox(stack.mailUrl);
  origin = new URL(stack.appUrl).origin;
  rpId = new URL(stack.appUrl).hostname;
});

afterAll(async () => {
  await stack?.stop();
});

const STEP = 30_000;
const device = () => new SoftAuthenticator({ origin });

function expectError(reply: Reply, status: number, code: string) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.body?.code, reply.text).toBe(code);
  expect(typeof reply.body?.message).toBe("string");
  expect(reply.text).not.toMatch(/Exception|Error:|\bat \S+:\d+|node_modules|DynamoDB|ConditionalCheck|stack/i);
}

interface User {
  email: string;
  userId: string;
  accessToken: string;
}

async function signupUser(): Promise<User> {
  const email = uniqueEmail("passkey");
  const reply = await api.post("/auth/signup", { email, password: PASSWORD });
  expect(reply.status, reply.text).toBe(201);
  return { email, userId: reply.body.user.id, accessToken: reply.body.accessToken };
}

async function creationOptions(token: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const reply = await api.post("/users/me/passkeys/options", {}, { token });
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
}

/** Registers a passkey on `authenticator` through the two routes; the reply of the second. */
async function register(token: string, authenticator: SoftAuthenticator, body: { name?: string } = {}, overrides: RegisterOverrides = {}): Promise<Reply> {
  const options = await creationOptions(token);
  return api.post("/users/me/passkeys", { response: authenticator.register(options, overrides), ...body }, { token });
}

async function registered(token: string, authenticator: SoftAuthenticator, name?: string): Promise<{ id: string; name: string; backedUp: boolean }> {
  const reply = await register(token, authenticator, name === undefined ? {} : { name });
  expect(reply.status, reply.text).toBe(201);
  return reply.body.passkey;
}

async function requestOptions(body: { mfaToken?: string } = {}): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const reply = await api.post("/auth/passkeys/options", body);
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
}

/** A sign-in with a passkey through both routes (a second step when `mfaToken` is given). */
async function passkeySignin(authenticator: SoftAuthenticator, overrides: AuthenticateOverrides = {}, mfaToken?: string): Promise<Reply> {
  const options = await requestOptions(mfaToken ? { mfaToken } : {});
  return api.post("/auth/passkeys/verify", { response: authenticator.authenticate(options, overrides), ...(mfaToken && { mfaToken }) });
}

/** A user with a passkey, registered from the signup's session. */
async function userWithPasskey(): Promise<User & { authenticator: SoftAuthenticator; passkeyId: string }> {
  const user = await signupUser();
  const authenticator = device();
  const { id } = await registered(user.accessToken, authenticator);
  return { ...user, authenticator, passkeyId: id };
}

/** Signs up and sets up TOTP; `strongToken` is a multi-factor session's access token. */
async function totpUser(): Promise<User & { secret: string; strongToken: string }> {
  const user = await signupUser();
  const started = await api.post("/users/me/mfa/totp", undefined, { token: user.accessToken });
  expect(started.status, started.text).toBe(201);
  const { secret } = started.body as { secret: string };
  const confirmed = await api.post("/users/me/mfa/totp/confirm", { code: totpCodeAt(secret, Date.now()) }, { token: user.accessToken });
  expect(confirmed.status, confirmed.text).toBe(200);
  const first = await api.post("/auth/signin", { email: user.email, password: PASSWORD });
  expectError(first, 403, "mfa_required");
  const verified = await api.post("/auth/mfa/verify", { mfaToken: first.body.mfaToken, factor: "totp", code: totpCodeAt(secret, Date.now() + STEP) });
  expect(verified.status, verified.text).toBe(200);
  return { ...user, secret, strongToken: verified.body.accessToken };
}

const grantRole = (email: string, role: string) =>
  promisify(execFile)("npm", ["run", "-s", "grant-role", "--", email, role], { env: { ...process.env, AUTH_DATA_DIR: stack.dataDir } });

/**
 * Takes the user's password away in the stack's own database, as a user who signed up with a
 * passkey or an outside provider would be stored (passwordless, no hash): there is no route for it.
 */
async function removePasswordInTheDatabase(userId: string): Promise<void> {
  const endpoint = readFileSync(join(stack.dataDir, "dynamodb-endpoint"), "utf8").trim();
  const usersTable = (tableDefinitions("local") as { TableName: string }[]).map((t) => t.TableName).find((name) => name.endsWith("-users"))!;
  const raw = localClient(endpoint);
  try {
    await DynamoDBDocumentClient.from(raw).send(
      new UpdateCommand({
        TableName: usersTable,
        Key: { pk: `USER#${userId}` },
        UpdateExpression: "SET passwordless = :true REMOVE passwordHash",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":true": true },
      }),
    );
  } finally {
    raw.destroy();
  }
}

describe("a passkey, from registration to removal", () => {
  it("registers, lists, emails the owner, signs in without a password (amr hwk, mfa), renames and removes", async () => {
    const user = await signupUser();
    const authenticator = device();
    const options = await creationOptions(user.accessToken);
    expect(options.rp.id).toBe(rpId);
    expect(options.user.id).toBe(Buffer.from(user.userId, "utf8").toString("base64url"));
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required" });
    expect(options.pubKeyCredParams.map((param) => param.alg)).toEqual(expect.arrayContaining([-7, -257]));
    expect(options.excludeCredentials ?? []).toEqual([]);

    const created = await api.post("/users/me/passkeys", { response: authenticator.register(options), name: "My laptop" }, { token: user.accessToken });
    expect(created.status, created.text).toBe(201);
    const passkey = created.body.passkey;
    expect(passkey).toEqual({ id: authenticator.credentials()[0]!.id, name: "My laptop", createdAt: expect.any(String), backedUp: false, transports: ["internal"] });

    const listed = await api.get("/users/me/passkeys", { token: user.accessToken });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.passkeys).toEqual([passkey]);
    expect((await api.get("/users/me/mfa", { token: user.accessToken })).body).toMatchObject({ passkeys: 1, totp: { enabled: false } });
    expect((await creationOptions(user.accessToken)).excludeCredentials?.map((c) => c.id)).toEqual([passkey.id]);
    const [notice] = await mail.waitFor(user.email, /passkey/i);
    expect(notice!.body.text).toContain(user.email);

    // A passkey does not make password signin ask for a second step.
    const withPassword = await api.post("/auth/signin", { email: user.email, password: PASSWORD });
    expect(withPassword.status, withPassword.text).toBe(200);
    expect(jwtPayload(withPassword.body.accessToken).amr).toEqual(["pwd"]);

    const requestOpts = await requestOptions();
    expect(requestOpts).toMatchObject({ rpId, userVerification: "required" });
    expect(requestOpts.allowCredentials ?? []).toEqual([]);
    const signedIn = await api.post("/auth/passkeys/verify", { response: authenticator.authenticate(requestOpts) });
    expect(signedIn.status, signedIn.text).toBe(200);
    expect(signedIn.body.user.id).toBe(user.userId);
    const claims = jwtPayload(signedIn.body.accessToken);
    expect(claims).toMatchObject({ sub: user.userId, amr: ["hwk", "mfa"] });
    const token = signedIn.body.accessToken as string;
    expect((await api.get("/users/me", { token })).status).toBe(200);
    const refreshed = await api.post("/auth/refresh", { refreshToken: signedIn.body.refreshToken });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(jwtPayload(refreshed.body.accessToken).amr).toEqual(["hwk", "mfa"]);

    const events = (await api.get("/users/me/events", { token })).body.events as { type: string; method?: string }[];
    expect(events.find((event) => event.type === "signin")).toMatchObject({ method: "passkey" });
    expect(events.map((event) => event.type)).toContain("passkey_added");
    expect((await api.get("/users/me/passkeys", { token })).body.passkeys[0]).toMatchObject({ lastUsedAt: expect.any(String) });

    const renamed = await api.patch(`/users/me/passkeys/${passkey.id}`, { name: " Work laptop " }, { token });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.passkey).toMatchObject({ id: passkey.id, name: "Work laptop" });
    expectError(await api.patch(`/users/me/passkeys/${passkey.id}`, { name: "" }, { token }), 400, "invalid_request");
    expectError(await api.patch(`/users/me/passkeys/${passkey.id}`, { name: "x".repeat(65) }, { token }), 400, "invalid_request");

    const removed = await api.delete(`/users/me/passkeys/${passkey.id}`, undefined, { token });
    expect(removed.status, removed.text).toBe(204);
    expect((await api.get("/users/me/passkeys", { token })).body.passkeys).toEqual([]);
    expect((await api.get("/users/me/events", { token })).body.events.map((event: { type: string }) => event.type)).toContain("passkey_removed");
    expectError(await passkeySignin(authenticator), 401, "invalid_passkey");
    expectError(await api.delete(`/users/me/passkeys/${passkey.id}`, undefined, { token }), 404, "not_found");
  });

  it("needs a signed-in caller for every management route", async () => {
    const id = randomBytes(16).toString("base64url");
    expect((await api.post("/users/me/passkeys/options", {})).status).toBe(401);
    expect((await api.post("/users/me/passkeys", { response: {} })).status).toBe(401);
    expect((await api.get("/users/me/passkeys")).status).toBe(401);
    expect((await api.patch(`/users/me/passkeys/${id}`, { name: "x" })).status).toBe(401);
    expect((await api.delete(`/users/me/passkeys/${id}`)).status).toBe(401);
  });
});

describe("registration errors", () => {
  it("400 invalid_request for a malformed body or a response that does not verify; 409 already_registered for a stored credential id", async () => {
    const user = await userWithPasskey();
    const token = user.accessToken;
    for (const body of [{}, { response: "x" }, { response: { id: "abc", type: "public-key" } }, { response: { id: "a+b", type: "public-key", response: { clientDataJSON: "x" } } }]) {
      expectError(await api.post("/users/me/passkeys", body, { token }), 400, "invalid_request");
    }
    expectError(await api.request("POST", "/users/me/passkeys", undefined, { token, raw: "{", headers: { "content-type": "application/json" } }), 400, "invalid_json");
    expectError(await register(token, device(), { name: "x".repeat(65) }), 400, "invalid_request");
    for (const overrides of [{ origin: "https://evil.example.net" }, { rpId: "evil.example.net" }, { challenge: randomBytes(32).toString("base64url") }, { flags: { up: false } }]) {
      const refused = await register(token, device(), {}, overrides);
      expectError(refused, 400, "invalid_request");
    }
    // The same response twice: the challenge is spent.
    const options = await creationOptions(token);
    const response = device().register(options);
    expect((await api.post("/users/me/passkeys", { response }, { token })).status).toBe(201);
    expectError(await api.post("/users/me/passkeys", { response }, { token }), 400, "invalid_request");

    const other = await signupUser();
    expectError(await register(other.accessToken, device(), {}, { credentialId: user.passkeyId }), 409, "already_registered");
    expect((await api.get("/users/me/passkeys", { token: other.accessToken })).body.passkeys).toEqual([]);
    expect((await passkeySignin(user.authenticator)).status).toBe(200);
  });
});

describe("sign-in errors", () => {
  it("400 invalid_request for malformed bodies; 401 invalid_passkey for every forgery; one session for a replayed assertion", async () => {
    const user = await userWithPasskey();
    for (const body of [{}, { response: "x" }, { response: { id: user.passkeyId, type: "public-key", response: {} } }]) {
      expectError(await api.post("/auth/passkeys/verify", body), 400, "invalid_request");
    }
    expectError(await api.request("POST", "/auth/passkeys/verify", undefined, { raw: "{", headers: { "content-type": "application/json" } }), 400, "invalid_json");
    expectError(await api.post("/auth/passkeys/options", { mfaToken: 5 }), 400, "invalid_request");
    // Well-formed, but nothing we know.
    expectError(
      await api.post("/auth/passkeys/verify", { response: { id: user.passkeyId, rawId: user.passkeyId, type: "public-key", response: { clientDataJSON: "e30" } } }),
      401,
      "invalid_passkey",
    );

    const forgeries: AuthenticateOverrides[] = [
      { origin: "https://evil.example.net" },
      { rpId: "evil.example.net" },
      { tamperSignature: true },
      { userVerified: false },
      { userPresent: false },
      { challenge: randomBytes(32).toString("base64url") },
      { userHandle: null },
    ];
    for (const overrides of forgeries) expectError(await passkeySignin(user.authenticator, overrides), 401, "invalid_passkey");

    // Another user's credential: its id with our key, and our credential with their userHandle.
    const attacker = await userWithPasskey();
    expectError(await passkeySignin(attacker.authenticator, { claimCredentialId: user.passkeyId }), 401, "invalid_passkey");
    const victimHandle = Buffer.from(user.userId, "utf8").toString("base64url");
    expectError(await passkeySignin(attacker.authenticator, { claimCredentialId: user.passkeyId, userHandle: victimHandle }), 401, "invalid_passkey");
    expectError(await passkeySignin(attacker.authenticator, { userHandle: victimHandle }), 401, "invalid_passkey");

    // The same assertion five times at once: exactly one session.
    const options = await requestOptions();
    const response = user.authenticator.authenticate(options);
    const replies = await Promise.all(Array.from({ length: 5 }, () => api.post("/auth/passkeys/verify", { response })));
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 401, 401, 401, 401]);
    for (const reply of replies.filter((r) => r.status === 401)) expectError(reply, 401, "invalid_passkey");

    // A registration challenge is no sign-in challenge.
    const registration = await creationOptions(user.accessToken);
    expectError(await passkeySignin(user.authenticator, { challenge: registration.challenge }), 401, "invalid_passkey");
  });

  it("refuses a counter regression, and lets a zero counter pass", async () => {
    const user = await userWithPasskey();
    for (let i = 0; i < 2; i++) expect((await passkeySignin(user.authenticator)).status).toBe(200);
    expectError(await passkeySignin(user.authenticator, { signCount: 1 }), 401, "invalid_passkey");
    expectError(await passkeySignin(user.authenticator, { signCount: 2 }), 401, "invalid_passkey");
    expect((await passkeySignin(user.authenticator, { signCount: 3 })).status).toBe(200);
    expect((await passkeySignin(user.authenticator, { signCount: 0 })).status).toBe(200);

    const synced = await signupUser();
    const keychain = new SoftAuthenticator({ origin, signCount: "zero", backupEligible: true });
    expect(await registered(synced.accessToken, keychain)).toMatchObject({ backedUp: true });
    for (let i = 0; i < 3; i++) expect((await passkeySignin(keychain)).status).toBe(200);
  });

  it("answers 4xx, never 500, to an assertion of a registered credential whose fields are not strings (authenticatorData; a second step's userHandle)", async () => {
    const user = await userWithPasskey();
    const response = user.authenticator.authenticate(await requestOptions());
    const alone = await api.post("/auth/passkeys/verify", { response: { ...response, response: { ...response.response, authenticatorData: 5 } } });
    const totp = await totpUser();
    const authenticator = device();
    await registered(totp.strongToken, authenticator);
    const { mfaToken } = (await api.post("/auth/signin", { email: totp.email, password: PASSWORD })).body as { mfaToken: string };
    const step = authenticator.authenticate(await requestOptions({ mfaToken }));
    const secondStep = await api.post("/auth/passkeys/verify", { response: { ...step, response: { ...step.response, userHandle: null } }, mfaToken });
    expect({ alone: alone.status, secondStep: secondStep.status }, `${alone.text} ${secondStep.text}`).toEqual({
      alone: 401,
      secondStep: secondStep.status === 200 ? 200 : 401,
    });
  });

  it("403 account_disabled after a valid assertion of a disabled account (401 for a forged one); the admin's MFA reset removes the passkeys", async () => {
    const admin = await signupUser();
    await grantRole(admin.email, "admin");
    const adminToken = (await api.post("/auth/signin", { email: admin.email, password: PASSWORD })).body.accessToken as string;
    const user = await userWithPasskey();
    const disabled = await api.patch(`/users/${user.userId}`, { disabled: true }, { token: adminToken });
    expect(disabled.status, disabled.text).toBe(200);
    expectError(await passkeySignin(user.authenticator), 403, "account_disabled");
    expectError(await passkeySignin(user.authenticator, { tamperSignature: true }), 401, "invalid_passkey");
    expect((await api.patch(`/users/${user.userId}`, { disabled: false }, { token: adminToken })).status).toBe(200);
    expect((await passkeySignin(user.authenticator)).status).toBe(200);

    const reset = await api.delete(`/users/${user.userId}/mfa`, undefined, { token: adminToken });
    expect(reset.status, reset.text).toBe(204);
    expectError(await passkeySignin(user.authenticator), 401, "invalid_passkey");
    const again = await api.post("/auth/signin", { email: user.email, password: PASSWORD });
    expect((await api.get("/users/me/passkeys", { token: again.body.accessToken })).body.passkeys).toEqual([]);
  });
});

describe("management errors", () => {
  it("404 not_found for another user's passkey or an id that is no credential id; the other user's passkey stays", async () => {
    const owner = await userWithPasskey();
    const other = await userWithPasskey();
    const token = other.accessToken;
    expectError(await api.patch(`/users/me/passkeys/${owner.passkeyId}`, { name: "Mine now" }, { token }), 404, "not_found");
    expectError(await api.delete(`/users/me/passkeys/${owner.passkeyId}`, undefined, { token }), 404, "not_found");
    expectError(await api.delete(`/users/me/passkeys/${randomBytes(16).toString("base64url")}`, undefined, { token }), 404, "not_found");
    expectError(await api.patch("/users/me/passkeys/not.a.credential", { name: "x" }, { token }), 404, "not_found");
    expect((await api.get("/users/me/passkeys", { token: owner.accessToken })).body.passkeys).toHaveLength(1);
    expect((await passkeySignin(owner.authenticator)).status).toBe(200);
  });

  it("409 last_sign_in_method for the only passkey of a user without a password", async () => {
    const user = await userWithPasskey();
    await removePasswordInTheDatabase(user.userId);
    const session = await passkeySignin(user.authenticator);
    expect(session.status, session.text).toBe(200);
    const token = session.body.accessToken as string;
    expect((await api.get("/users/me", { token })).body.user.hasPassword).toBe(false);
    expectError(await api.delete(`/users/me/passkeys/${user.passkeyId}`, undefined, { token }), 409, "last_sign_in_method");
    const second = await registered(token, device(), "Spare");
    expect((await api.delete(`/users/me/passkeys/${user.passkeyId}`, undefined, { token })).status).toBe(204);
    expectError(await api.delete(`/users/me/passkeys/${second.id}`, undefined, { token }), 409, "last_sign_in_method");
  });
});

describe("a user with TOTP", () => {
  it("needs a multi-factor session to register or remove a passkey (403 mfa_required)", async () => {
    const user = await totpUser();
    expectError(await api.post("/users/me/passkeys/options", {}, { token: user.accessToken }), 403, "mfa_required");
    const authenticator = device();
    const options = await creationOptions(user.strongToken);
    const response = authenticator.register(options);
    expectError(await api.post("/users/me/passkeys", { response }, { token: user.accessToken }), 403, "mfa_required");
    const created = await api.post("/users/me/passkeys", { response }, { token: user.strongToken });
    expect(created.status, created.text).toBe(201);
    expectError(await api.delete(`/users/me/passkeys/${created.body.passkey.id}`, undefined, { token: user.accessToken }), 403, "mfa_required");
    expect((await api.get("/users/me/mfa", { token: user.accessToken })).body).toMatchObject({ totp: { enabled: true }, passkeys: 1 });
    expect((await api.delete(`/users/me/passkeys/${created.body.passkey.id}`, undefined, { token: user.strongToken })).status).toBe(204);
  });

  it("answers the second step with a passkey: factors name it, options list it, the session says amr pwd, hwk, mfa; the mfaToken is spent", async () => {
    const user = await totpUser();
    const authenticator = device();
    const { id } = await registered(user.strongToken, authenticator);
    const first = await api.post("/auth/signin", { email: user.email, password: PASSWORD });
    expectError(first, 403, "mfa_required");
    expect(first.body.factors).toEqual(["totp", "recovery_code", "passkey"]);
    const mfaToken = first.body.mfaToken as string;

    const options = await requestOptions({ mfaToken });
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([id]);
    // A discoverable sign-in's challenge does not answer the step.
    const wrongChallenge = authenticator.authenticate(await requestOptions());
    expectError(await api.post("/auth/passkeys/verify", { response: wrongChallenge, mfaToken }), 401, "invalid_passkey");
    // Nor another user's passkey.
    const stranger = await userWithPasskey();
    const strangers = stranger.authenticator.authenticate(options, { credentialId: stranger.passkeyId });
    expectError(await api.post("/auth/passkeys/verify", { response: strangers, mfaToken }), 401, "invalid_passkey");

    const verified = await api.post("/auth/passkeys/verify", { response: authenticator.authenticate(options), mfaToken });
    expect(verified.status, verified.text).toBe(200);
    expect(jwtPayload(verified.body.accessToken).amr).toEqual(["pwd", "hwk", "mfa"]);
    expect(verified.body.user).toMatchObject({ id: user.userId, mfaEnabled: true });
    // Spent: neither a passkey nor a code answers it again.
    expectError(await api.post("/auth/passkeys/options", { mfaToken }), 401, "mfa_token_invalid");
    expectError(await api.post("/auth/mfa/verify", { mfaToken, factor: "totp", code: totpCodeAt(user.secret, Date.now() + 2 * STEP) }), 401, "mfa_token_invalid");
    expectError(await api.post("/auth/passkeys/options", { mfaToken: randomBytes(32).toString("base64url") }), 401, "mfa_token_invalid");

    // The passkey alone also signs this user in, with no second step.
    const alone = await passkeySignin(authenticator);
    expect(alone.status, alone.text).toBe(200);
    expect(jwtPayload(alone.body.accessToken).amr).toEqual(["hwk", "mfa"]);
  });
});
