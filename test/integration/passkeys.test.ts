// Passkeys against DynamoDB Local, in process, with the software authenticator of the tests
// (test/helpers/soft-authenticator.ts, written from the specifications): registration and its
// checks, sign-in without a password and as the second step of a password signin, the challenge
// (single use under parallel requests, bound to its ceremony, 5 minutes), every forgery the
// outside suite tries (origin, RP ID, signature, user verification, another user's credential,
// counter regression), management (list, rename, remove, the last way in, the multi-factor rule),
// the events, and the admin reset and account deletion that take passkeys with them.
import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deleteMyAccount } from "../../lib/accounts/deletion.js";
import { passkeyRegistrationOptions, registerPasskey } from "../../lib/accounts/passkey-registration.js";
import { listPasskeys, removePasskey, renameOwnPasskey } from "../../lib/accounts/passkey-settings.js";
import { passkeySigninOptions, verifyPasskeySignin } from "../../lib/accounts/passkey-signin.js";
import { confirmTotp, mfaStatus, startTotpEnrollment } from "../../lib/accounts/second-factor-settings.js";
import { verifySecondStep } from "../../lib/accounts/second-step.js";
import { signin } from "../../lib/accounts/signin.js";
import type { CallerOnDevice } from "../../lib/http/caller.js";
import { signup as signupAccount } from "../../lib/accounts/signup.js";
import { startSession } from "../../lib/sessions/sessions.js";
import type { Actor } from "../../lib/admin/actor.js";
import { resetMfa } from "../../lib/admin/user-admin.js";
import { queryEvents } from "../../lib/audit/event-store.js";
import { getPasskey } from "../../lib/methods/passkeys/passkey-store.js";
import { totpCodeAt } from "../../lib/methods/totp/totp.js";
import { config } from "../../lib/platform/config.js";
import { HttpError } from "../../lib/platform/errors.js";
import { transactWrite } from "../../lib/platform/transactions.js";
import { checkSession } from "../../lib/sessions/session-check.js";
import type { Session } from "../../lib/sessions/sessions.js";
import { disabledUpdate, getUser, userCreateItems, type UserRecord } from "../../lib/users/user-store.js";
import { userById } from "../../lib/users/users.js";
import { PASSWORD, jwtPayload, outcome, uniqueEmail } from "../helpers/fixtures.js";
import { grantRoles } from "../helpers/roles.js";
import { SoftAuthenticator, type AuthenticateOverrides, type SoftAuthenticatorOptions } from "../helpers/soft-authenticator.js";

const STEP = 30_000;
const FIVE_MINUTES = 5 * 60_000;
const { rpId: RP_ID, origins } = config.webauthn;
const ORIGIN = origins[0]!;

/** A device of the user's: the browser at our origin with a platform authenticator. */
const device = (options: SoftAuthenticatorOptions = {}) => new SoftAuthenticator({ origin: ORIGIN, ...options });
const handleOf = (userId: string) => Buffer.from(userId, "utf8").toString("base64url");
/** Each user's live session (signup's, or one opened for a passwordless user): the routes check the caller's is still live. */
const sids = new Map<string, string>();
const caller = (userId: string, multiFactor = false): CallerOnDevice => ({ userId, sid: sids.get(userId) ?? "no-session", multiFactor, client: {} });
async function signup(input: { email: string; password: string }) {
  const session = await signupAccount(input);
  sids.set(session.user.id, jwtPayload(session.accessToken).sid as string);
  return session;
}

/** The user's recent events, newest first. */
const eventsOf = async (userId: string) => (await queryEvents(userId, 50, Date.now() + 3_600_000)).events;
const eventTypesOf = async (userId: string) => (await eventsOf(userId)).map((event) => event.type);

const isSession = (result: unknown): result is Session => !(result instanceof HttpError);
const amrOf = (session: Session) => jwtPayload(session.accessToken).amr;

/** Registers a passkey on `authenticator` for the user, through the options and the verification. */
async function addPasskey(userId: string, authenticator: SoftAuthenticator, options: { multiFactor?: boolean; name?: string; now?: number } = {}) {
  const who = caller(userId, options.multiFactor);
  const creation = await passkeyRegistrationOptions(who, options.now);
  const response = authenticator.register(creation);
  const passkey = await registerPasskey(who, { response, ...(options.name && { name: options.name }) }, options.now);
  return { passkey, creation, response };
}

async function userWithPasskey(authenticatorOptions: SoftAuthenticatorOptions = {}) {
  const email = uniqueEmail("passkey");
  const { user } = await signup({ email, password: PASSWORD });
  const authenticator = device(authenticatorOptions);
  const { passkey } = await addPasskey(user.id, authenticator);
  return { userId: user.id, email, authenticator, passkey };
}

/** A user as a passkey signup or an outside provider makes one: no password at all (written as signup does, without a hash). */
async function passwordlessUser(): Promise<UserRecord> {
  const user: UserRecord = { userId: randomUUID(), email: uniqueEmail("nopass"), emailVerified: true, roles: ["user"], createdAt: new Date().toISOString() };
  await transactWrite(userCreateItems(user));
  const session = await startSession(user, { amr: ["hwk", "mfa"], method: "passkey" });
  sids.set(user.userId, jwtPayload(session.accessToken).sid as string);
  return user;
}

/** A user with a confirmed TOTP (as mfa.test.ts enrolls one), and a clock at the step after the confirmation. */
async function userWithTotp(start = Date.now()) {
  const email = uniqueEmail("totp");
  const { user } = await signup({ email, password: PASSWORD });
  const totpCaller: CallerOnDevice = { ...caller(user.id), multiFactor: false };
  const { secret } = await startTotpEnrollment(totpCaller, start);
  const { recoveryCodes } = await confirmTotp(totpCaller, totpCodeAt(secret, start), start);
  return { userId: user.id, email, secret, recoveryCodes, now: start + STEP };
}

/** A TOTP user with a passkey, registered from a multi-factor session. */
async function totpUserWithPasskey() {
  const user = await userWithTotp();
  const authenticator = device();
  const { passkey } = await addPasskey(user.userId, authenticator, { multiFactor: true });
  return { ...user, authenticator, passkey };
}

/** The mfa_required answer of a password signin. */
async function firstStep(email: string, now = Date.now()): Promise<{ mfaToken: string; factors: string[] }> {
  const refused = await outcome(signin({ email, password: PASSWORD }, now));
  expect(refused).toMatchObject({ statusCode: 403, code: "mfa_required" });
  return (refused as HttpError).details as { mfaToken: string; factors: string[] };
}

/** A discoverable sign-in: options, the authenticator's assertion (with `overrides`), the verification. */
async function passkeySignin(authenticator: SoftAuthenticator, overrides: AuthenticateOverrides = {}, now = Date.now()) {
  const options = await passkeySigninOptions({}, now);
  return outcome(verifyPasskeySignin({ response: authenticator.authenticate(options, overrides) }, now));
}

const invalidPasskey = { statusCode: 401, code: "invalid_passkey" };
const doesNotVerify = { statusCode: 400, code: "invalid_request" };

describe("registration", () => {
  it("answers creation options for a discoverable credential, ES256 and RS256, attestation none, the user's passkeys excluded", async () => {
    const { userId, email, passkey } = await userWithPasskey();
    const options = await passkeyRegistrationOptions(caller(userId));
    expect(options.rp.id).toBe(RP_ID);
    expect(options.user).toMatchObject({ id: handleOf(userId), name: email });
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(options.pubKeyCredParams.map((param) => param.alg)).toEqual(expect.arrayContaining([-7, -257]));
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", requireResidentKey: true });
    expect(options.attestation ?? "none").toBe("none");
    expect(options.excludeCredentials?.map((credential) => credential.id)).toEqual([passkey.id]);
    expect(options.timeout).toBeLessThanOrEqual(FIVE_MINUTES);
    // A fresh challenge each time.
    expect((await passkeyRegistrationOptions(caller(userId))).challenge).not.toBe(options.challenge);
  });

  it("stores the passkey: the list shows its name, createdAt, backedUp and transports; the event and the count follow", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const before = Date.now();
    const { passkey } = await addPasskey(user.id, device({ transports: ["internal", "hybrid"] }), { name: "My laptop" });
    expect(passkey).toEqual({ id: expect.any(String), name: "My laptop", createdAt: expect.any(String), backedUp: false, transports: ["internal", "hybrid"] });
    expect(Date.parse(passkey.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(await listPasskeys(user.id)).toEqual([passkey]);
    // A synced (backed-up) passkey on a second device, listed after the first; the default name is some text.
    const { passkey: synced } = await addPasskey(user.id, device({ backupEligible: true }));
    expect(synced).toMatchObject({ backedUp: true, name: expect.stringMatching(/\S/) });
    expect((await listPasskeys(user.id)).map((p) => p.id)).toEqual([passkey.id, synced.id]);
    expect(await mfaStatus(user.id)).toMatchObject({ passkeys: 2, totp: { enabled: false } });
    const added = (await eventsOf(user.id)).filter((event) => event.type === "passkey_added");
    expect(added).toHaveLength(2);
    // A passkey is no second factor for a password signin: it still answers a session at once (contract, Multi-factor).
    const session = await signin({ email: user.email, password: PASSWORD });
    expect(amrOf(session)).toEqual(["pwd"]);
    expect(session.user.mfaEnabled).toBe(false);
  });

  it("answers 409 already_registered for a credential id already stored, whoever registers it", async () => {
    const owner = await userWithPasskey();
    const { user: other } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const options = await passkeyRegistrationOptions(caller(other.id));
    const stolen = device().register(options, { credentialId: owner.passkey.id });
    expect(await outcome(registerPasskey(caller(other.id), { response: stolen }))).toMatchObject({ statusCode: 409, code: "already_registered" });
    // The owner again, past excludeCredentials (a client that ignores it).
    const again = await passkeyRegistrationOptions(caller(owner.userId));
    const twice = device().register(again, { credentialId: owner.passkey.id, ignoreExcludeCredentials: true });
    expect(await outcome(registerPasskey(caller(owner.userId), { response: twice }))).toMatchObject({ statusCode: 409, code: "already_registered" });
    // Nothing changed hands: the passkey is still the owner's, the other user has none, and the owner still signs in with it.
    expect((await getPasskey(owner.passkey.id))?.userId).toBe(owner.userId);
    expect(await listPasskeys(other.id)).toEqual([]);
    expect(await listPasskeys(owner.userId)).toHaveLength(1);
    expect(isSession(await passkeySignin(owner.authenticator))).toBe(true);
  });

  it("refuses a registration with a wrong origin, RP ID, challenge, type, without user presence, or with an algorithm not offered", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const forgeries = [
      { origin: "https://evil.example.net" },
      { origin: "http://localhost:1" },
      { rpId: "evil.example.net" },
      { challenge: randomBytes(32).toString("base64url") },
      { type: "webauthn.get" },
      { flags: { up: false } },
      { alg: -8 },
    ];
    for (const overrides of forgeries) {
      const options = await passkeyRegistrationOptions(caller(user.id));
      const response = device().register(options, overrides);
      expect(await outcome(registerPasskey(caller(user.id), { response })), JSON.stringify(overrides)).toMatchObject(doesNotVerify);
    }
    expect(await listPasskeys(user.id)).toEqual([]);
    expect(await eventTypesOf(user.id)).not.toContain("passkey_added");
  });

  it("stores transports only as a list of strings (the contract's string[]), whatever the response carries", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    for (const transports of ["internal", [5, { usb: true }], { length: 1, 0: "usb" }]) {
      const options = await passkeyRegistrationOptions(caller(user.id));
      const genuine = device().register(options);
      const response = { ...genuine, response: { ...genuine.response, transports: transports as unknown as string[] } };
      const result = await outcome(registerPasskey(caller(user.id), { response }));
      if (result instanceof HttpError) expect(result.statusCode, JSON.stringify(transports)).toBe(400);
    }
    for (const passkey of await listPasskeys(user.id)) {
      if (passkey.transports !== undefined) {
        expect(Array.isArray(passkey.transports), JSON.stringify(passkey.transports)).toBe(true);
        for (const transport of passkey.transports) expect(typeof transport).toBe("string");
      }
    }
  });

  it("refuses a credential id longer than 1023 bytes (WebAuthn L3 §7.1, the step after the signature checks)", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const options = await passkeyRegistrationOptions(caller(user.id));
    const long = randomBytes(1024).toString("base64url");
    const result = await outcome(registerPasskey(caller(user.id), { response: device().register(options, { credentialId: long }) }));
    expect(result).toMatchObject({ statusCode: 400 });
    expect(await listPasskeys(user.id)).toEqual([]);
  });

  it("spends a registration challenge once, and only for the user it was made for", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const { user: other } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const options = await passkeyRegistrationOptions(caller(user.id));
    // Another user cannot answer it (the options carry the first user's handle; the challenge is bound to the user).
    const elsewhere = device().register(options);
    expect(await outcome(registerPasskey(caller(other.id), { response: elsewhere }))).toMatchObject(doesNotVerify);
    const response = device().register(options);
    await registerPasskey(caller(user.id), { response });
    const replay = device().register(options);
    expect(await outcome(registerPasskey(caller(user.id), { response: replay }))).toMatchObject(doesNotVerify);
    expect(await listPasskeys(other.id)).toEqual([]);
    expect(await listPasskeys(user.id)).toHaveLength(1);
  });

  it("spends a registration challenge once under parallel requests: one passkey", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const options = await passkeyRegistrationOptions(caller(user.id));
    const responses = Array.from({ length: 5 }, () => device().register(options));
    const results = await Promise.all(responses.map((response) => outcome(registerPasskey(caller(user.id), { response }))));
    expect(results.filter((result) => !(result instanceof HttpError))).toHaveLength(1);
    expect(await listPasskeys(user.id)).toHaveLength(1);
  });

  it("refuses an expired registration challenge (5 minutes)", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const now = Date.now();
    const options = await passkeyRegistrationOptions(caller(user.id), now);
    const response = device().register(options);
    expect(await outcome(registerPasskey(caller(user.id), { response }, now + FIVE_MINUTES + 1000))).toMatchObject(doesNotVerify);
    expect(await listPasskeys(user.id)).toEqual([]);
  });
});

describe("sign-in with a passkey alone", () => {
  it("answers request options for a discoverable credential (empty allowCredentials, user verification required)", async () => {
    const options = await passkeySigninOptions({});
    expect(options).toMatchObject({ rpId: RP_ID, userVerification: "required" });
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("answers a multi-factor session without a password: amr hwk, mfa; a signin event with method passkey; lastUsedAt set", async () => {
    const { userId, authenticator, passkey } = await userWithPasskey();
    const session = await passkeySignin(authenticator);
    if (!isSession(session)) throw session;
    expect(session.user.id).toBe(userId);
    expect(amrOf(session)).toEqual(["hwk", "mfa"]);
    expect(jwtPayload(session.accessToken).sub).toBe(userId);
    expect(await checkSession(jwtPayload(session.accessToken).sid as string, userId)).toMatchObject({ amr: ["hwk", "mfa"] });
    const [event] = (await eventsOf(userId)).filter((e) => e.type === "signin");
    expect(event).toMatchObject({ type: "signin", method: "passkey", sessionId: jwtPayload(session.accessToken).sid });
    const [listed] = await listPasskeys(userId);
    expect(listed).toMatchObject({ id: passkey.id, lastUsedAt: expect.any(String) });
  });

  it("signs in a TOTP user with a passkey alone, without a second step (a user-verified passkey is multi-factor)", async () => {
    const { userId, authenticator } = await totpUserWithPasskey();
    const session = await passkeySignin(authenticator);
    if (!isSession(session)) throw session;
    expect(session.user).toMatchObject({ id: userId, mfaEnabled: true });
    expect(amrOf(session)).toEqual(["hwk", "mfa"]);
  });

  it("works for a user without a password", async () => {
    const user = await passwordlessUser();
    const authenticator = device();
    await addPasskey(user.userId, authenticator);
    const session = await passkeySignin(authenticator);
    if (!isSession(session)) throw session;
    expect(session.user).toMatchObject({ id: user.userId, hasPassword: false });
  });

  it("spends the challenge once: the same assertion sent 5 times in parallel opens exactly one session", async () => {
    const { userId, authenticator } = await userWithPasskey();
    const options = await passkeySigninOptions({});
    const response = authenticator.authenticate(options);
    const results = await Promise.all(Array.from({ length: 5 }, () => outcome(verifyPasskeySignin({ response }))));
    expect(results.filter(isSession)).toHaveLength(1);
    for (const refused of results.filter((result) => !isSession(result))) expect(refused).toMatchObject(invalidPasskey);
    // And later, once more.
    expect(await outcome(verifyPasskeySignin({ response }))).toMatchObject(invalidPasskey);
    expect((await eventsOf(userId)).filter((e) => e.type === "signin")).toHaveLength(1);
  });

  it("opens one session when two assertions with the same counter race (each on its own challenge)", async () => {
    const { authenticator } = await userWithPasskey();
    const [first, second] = await Promise.all([passkeySigninOptions({}), passkeySigninOptions({})]);
    const results = await Promise.all([
      outcome(verifyPasskeySignin({ response: authenticator.authenticate(first!, { signCount: 7 }) })),
      outcome(verifyPasskeySignin({ response: authenticator.authenticate(second!, { signCount: 7 }) })),
    ]);
    expect(results.filter(isSession)).toHaveLength(1);
    expect(results.find((result) => !isSession(result))).toMatchObject(invalidPasskey);
  });

  it("refuses a challenge it never issued, and an expired one (5 minutes), but not one within its time", async () => {
    const { authenticator } = await userWithPasskey();
    expect(await passkeySignin(authenticator, { challenge: randomBytes(32).toString("base64url") })).toMatchObject(invalidPasskey);
    expect(await passkeySignin(authenticator, { challenge: "not-a-challenge" })).toMatchObject(invalidPasskey);
    const now = Date.now();
    const options = await passkeySigninOptions({}, now);
    const late = authenticator.authenticate(options);
    expect(await outcome(verifyPasskeySignin({ response: late }, now + FIVE_MINUTES + 1000))).toMatchObject(invalidPasskey);
    const inTime = await passkeySigninOptions({}, now);
    expect(isSession(await outcome(verifyPasskeySignin({ response: authenticator.authenticate(inTime) }, now + FIVE_MINUTES - 2000)))).toBe(true);
  });

  it("does not take a challenge of another ceremony: a registration challenge, or a second step's", async () => {
    const { userId, authenticator } = await userWithPasskey();
    const registration = await passkeyRegistrationOptions(caller(userId));
    expect(await passkeySignin(authenticator, { challenge: registration.challenge })).toMatchObject(invalidPasskey);

    const totpUser = await totpUserWithPasskey();
    const { mfaToken } = await firstStep(totpUser.email, totpUser.now);
    const secondStep = await passkeySigninOptions({ mfaToken }, totpUser.now);
    const response = totpUser.authenticator.authenticate(secondStep);
    // Without its mfaToken, a second step's challenge is no sign-in challenge.
    expect(await outcome(verifyPasskeySignin({ response }, totpUser.now))).toMatchObject(invalidPasskey);
    // The registration challenge still registers: the wrong ceremony did not spend it.
    await registerPasskey(caller(userId), { response: device().register(registration) });
  });

  describe("refuses forgeries with 401 invalid_passkey", () => {
    const forgeries: [string, AuthenticateOverrides][] = [
      ["a wrong origin", { origin: "https://evil.example.net" }],
      ["another port of the origin's host", { origin: "http://localhost:1" }],
      ["a wrong RP ID (hash)", { rpId: "evil.example.net" }],
      ["the type of the other ceremony", { type: "webauthn.create" }],
      ["a cross-origin iframe of another site", { crossOrigin: true, topOrigin: "https://evil.example.net" }],
      ["a tampered signature", { tamperSignature: true }],
      ["no user verification", { userVerified: false }],
      ["no user presence", { userPresent: false }],
      ["no userHandle (a discoverable sign-in must name its user)", { userHandle: null }],
      ["an unknown credential id", { claimCredentialId: randomBytes(16).toString("base64url") }],
    ];
    it.each(forgeries)("%s", async (_, overrides) => {
      const { authenticator } = await userWithPasskey();
      expect(await passkeySignin(authenticator, overrides)).toMatchObject(invalidPasskey);
      // The genuine assertion still works afterwards.
      expect(isSession(await passkeySignin(authenticator))).toBe(true);
    });

    it("from an authenticator that cannot verify its user", async () => {
      const user = await signup({ email: uniqueEmail(), password: PASSWORD });
      const weak = device({ userVerification: false });
      await addPasskey(user.user.id, weak); // registration prefers user verification, but does not require it
      expect(await passkeySignin(weak)).toMatchObject(invalidPasskey);
    });

    it("another user's credential: its id claimed with our own key, with our userHandle or the victim's", async () => {
      const victim = await userWithPasskey();
      const attacker = await userWithPasskey();
      expect(await passkeySignin(attacker.authenticator, { claimCredentialId: victim.passkey.id })).toMatchObject(invalidPasskey);
      expect(await passkeySignin(attacker.authenticator, { claimCredentialId: victim.passkey.id, userHandle: handleOf(victim.userId) })).toMatchObject(
        invalidPasskey,
      );
      // Our own credential, with the victim's userHandle: the signature verifies, but the credential is not the victim's.
      expect(await passkeySignin(attacker.authenticator, { userHandle: handleOf(victim.userId) })).toMatchObject(invalidPasskey);
      expect(await passkeySignin(attacker.authenticator, { userHandle: handleOf(randomUUID()) })).toMatchObject(invalidPasskey);
      expect((await eventsOf(victim.userId)).filter((e) => e.type === "signin")).toHaveLength(0);
    });
  });

  it("refuses a counter regression (stored and presented non-zero, not increasing), and lets a presented 0 pass", async () => {
    const { authenticator, passkey } = await userWithPasskey();
    for (let i = 0; i < 2; i++) expect(isSession(await passkeySignin(authenticator))).toBe(true);
    expect((await getPasskey(passkey.id))?.counter).toBe(2);
    expect(await passkeySignin(authenticator, { signCount: 1 })).toMatchObject(invalidPasskey);
    expect(await passkeySignin(authenticator, { signCount: 2 })).toMatchObject(invalidPasskey);
    expect(isSession(await passkeySignin(authenticator, { signCount: 3 }))).toBe(true);
    // The contract: the new counter must be greater only when both are non-zero.
    expect(isSession(await passkeySignin(authenticator, { signCount: 0 }))).toBe(true);
    // A presented 0 does not reset what is stored: a lower non-zero counter is still a regression.
    expect((await getPasskey(passkey.id))?.counter).toBe(3);
    expect(await passkeySignin(authenticator, { signCount: 2 })).toMatchObject(invalidPasskey);
    expect(isSession(await passkeySignin(authenticator, { signCount: 10 }))).toBe(true);
  });

  it("lets a zero counter (a synced passkey) pass every time", async () => {
    const { authenticator, passkey } = await userWithPasskey({ signCount: "zero", backupEligible: true });
    expect(passkey.backedUp).toBe(true);
    for (let i = 0; i < 4; i++) {
      const session = await passkeySignin(authenticator);
      expect(isSession(session), String(i)).toBe(true);
    }
    expect((await getPasskey(passkey.id))?.counter).toBe(0);
  });

  it("answers 403 account_disabled to a valid assertion of a disabled account, and 401 to a forged one", async () => {
    const { userId, authenticator } = await userWithPasskey();
    await transactWrite([disabledUpdate(userId, true, Date.now())]);
    expect(await passkeySignin(authenticator)).toMatchObject({ statusCode: 403, code: "account_disabled" });
    expect(await passkeySignin(authenticator, { tamperSignature: true })).toMatchObject(invalidPasskey);
    await transactWrite([disabledUpdate(userId, false, Date.now())]);
    expect(isSession(await passkeySignin(authenticator))).toBe(true);
  });

  it("answers 4xx, never a crash, to an assertion of a registered credential whose fields are not strings", async () => {
    const { authenticator } = await userWithPasskey();
    const answers: string[] = [];
    for (const field of ["authenticatorData", "signature", "userHandle", "clientDataJSON"] as const) {
      for (const value of [5, null, {}, ["a"]]) {
        const response = authenticator.authenticate(await passkeySigninOptions({}));
        const broken = { ...response, response: { ...response.response, [field]: value } } as typeof response;
        const result = await verifyPasskeySignin({ response: broken }).then(
          () => "a session",
          (error: unknown) => (error instanceof HttpError ? String(error.statusCode) : `crash: ${(error as Error).name}`),
        );
        answers.push(`${field}: ${JSON.stringify(value)} -> ${result}`);
      }
    }
    expect(answers.filter((answer) => !answer.endsWith("-> 401"))).toEqual([]);
  });

  it("refuses a removed passkey", async () => {
    const { userId, authenticator, passkey } = await userWithPasskey();
    await removePasskey(caller(userId), passkey.id);
    expect(await passkeySignin(authenticator)).toMatchObject(invalidPasskey);
  });
});

describe("a passkey as the second step of a password signin", () => {
  it("mfa_required names passkey; options with the mfaToken list the user's credentials; the assertion answers a session amr pwd, hwk, mfa", async () => {
    const { userId, email, authenticator, passkey, now } = await totpUserWithPasskey();
    const { mfaToken, factors } = await firstStep(email, now);
    expect(factors).toEqual(["totp", "recovery_code", "passkey"]);
    const options = await passkeySigninOptions({ mfaToken }, now);
    expect(options.allowCredentials?.map((credential) => credential.id)).toEqual([passkey.id]);
    expect(options).toMatchObject({ rpId: RP_ID, userVerification: "required" });
    const session = await verifyPasskeySignin({ response: authenticator.authenticate(options), mfaToken }, now);
    expect(session.user.id).toBe(userId);
    expect(amrOf(session)).toEqual(["pwd", "hwk", "mfa"]);
    expect(await checkSession(jwtPayload(session.accessToken).sid as string, userId, now)).toMatchObject({ amr: ["pwd", "hwk", "mfa"] });
    // The signin is recorded with how the user signed in first.
    const [event] = (await eventsOf(userId)).filter((e) => e.type === "signin");
    expect(event).toMatchObject({ method: "password", sessionId: jwtPayload(session.accessToken).sid });
  });

  it("spends the mfaToken: neither a passkey nor a code answers it again", async () => {
    const { email, authenticator, secret, now } = await totpUserWithPasskey();
    const { mfaToken } = await firstStep(email, now);
    await verifyPasskeySignin({ response: authenticator.authenticate(await passkeySigninOptions({ mfaToken }, now)), mfaToken }, now);
    expect(await outcome(passkeySigninOptions({ mfaToken }, now))).toMatchObject({ statusCode: 401, code: "mfa_token_invalid" });
    expect(await outcome(verifySecondStep({ mfaToken, factor: "totp", code: totpCodeAt(secret, now) }, now))).toMatchObject({
      statusCode: 401,
      code: "mfa_token_invalid",
    });
  });

  it("answers one session when the same assertion races with itself, and with a TOTP code", async () => {
    const { email, authenticator, secret, now } = await totpUserWithPasskey();
    const { mfaToken } = await firstStep(email, now);
    const response = authenticator.authenticate(await passkeySigninOptions({ mfaToken }, now));
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () => outcome(verifyPasskeySignin({ response, mfaToken }, now))),
      outcome(verifySecondStep({ mfaToken, factor: "totp", code: totpCodeAt(secret, now) }, now)),
    ]);
    expect(results.filter(isSession)).toHaveLength(1);
    for (const refused of results.filter((result) => !isSession(result))) expect(refused).toMatchObject({ statusCode: 401 });
  });

  it("takes only a challenge of this mfaToken's step: not a discoverable sign-in's, not another mfaToken's", async () => {
    const { email, authenticator, now } = await totpUserWithPasskey();
    const { mfaToken } = await firstStep(email, now);
    const other = await firstStep(email, now);
    const signinChallenge = await passkeySigninOptions({}, now);
    expect(await outcome(verifyPasskeySignin({ response: authenticator.authenticate(signinChallenge), mfaToken }, now))).toMatchObject(invalidPasskey);
    const otherStep = await passkeySigninOptions({ mfaToken: other.mfaToken }, now);
    expect(await outcome(verifyPasskeySignin({ response: authenticator.authenticate(otherStep), mfaToken }, now))).toMatchObject(invalidPasskey);
    // Both tokens still answer with their own challenges.
    const own = await passkeySigninOptions({ mfaToken }, now);
    expect(amrOf(await verifyPasskeySignin({ response: authenticator.authenticate(own), mfaToken }, now))).toEqual(["pwd", "hwk", "mfa"]);
    const otherSession = await verifyPasskeySignin({ response: authenticator.authenticate(otherStep), mfaToken: other.mfaToken }, now);
    expect(amrOf(otherSession)).toEqual(["pwd", "hwk", "mfa"]);
  });

  it("refuses another user's passkey, a missing user verification, and a tampered signature; accepts an assertion without userHandle", async () => {
    const { email, authenticator, now } = await totpUserWithPasskey();
    const stranger = await userWithPasskey();
    const { mfaToken } = await firstStep(email, now);
    const step = () => passkeySigninOptions({ mfaToken }, now);
    const strangers = stranger.authenticator.authenticate(await step(), { credentialId: stranger.passkey.id });
    expect(await outcome(verifyPasskeySignin({ response: strangers, mfaToken }, now))).toMatchObject(invalidPasskey);
    expect(await outcome(verifyPasskeySignin({ response: authenticator.authenticate(await step(), { userVerified: false }), mfaToken }, now))).toMatchObject(
      invalidPasskey,
    );
    expect(await outcome(verifyPasskeySignin({ response: authenticator.authenticate(await step(), { tamperSignature: true }), mfaToken }, now))).toMatchObject(
      invalidPasskey,
    );
    // With allowCredentials, an authenticator may leave userHandle out (WebAuthn §5.2.2): the mfaToken names the user.
    const session = await outcome(verifyPasskeySignin({ response: authenticator.authenticate(await step(), { userHandle: null }), mfaToken }, now));
    expect(isSession(session) && amrOf(session)).toEqual(["pwd", "hwk", "mfa"]);
  });

  it("answers 401, not 500, to a second step whose userHandle is not a string (JSON null)", async () => {
    const { email, authenticator, now } = await totpUserWithPasskey();
    const { mfaToken } = await firstStep(email, now);
    const response = authenticator.authenticate(await passkeySigninOptions({ mfaToken }, now));
    const nulled = { ...response, response: { ...response.response, userHandle: null as unknown as string } };
    const result = await outcome(verifyPasskeySignin({ response: nulled, mfaToken }, now));
    // A browser never sends null, but a request body may: either the mfaToken's user (a session) or a 4xx, never a crash.
    if (!isSession(result)) expect(result.statusCode).toBeLessThan(500);
  });

  it("refuses an unknown or malformed mfaToken (401 mfa_token_invalid)", async () => {
    const { authenticator } = await userWithPasskey();
    expect(await outcome(passkeySigninOptions({ mfaToken: randomBytes(32).toString("base64url") }))).toMatchObject({ statusCode: 401, code: "mfa_token_invalid" });
    expect(await outcome(passkeySigninOptions({ mfaToken: "short" }))).toMatchObject({ statusCode: 401, code: "mfa_token_invalid" });
    const options = await passkeySigninOptions({});
    expect(await outcome(verifyPasskeySignin({ response: authenticator.authenticate(options), mfaToken: randomBytes(32).toString("base64url") }))).toMatchObject({
      statusCode: 401,
    });
  });
});

describe("managing passkeys", () => {
  it("renames the caller's passkey; 404 for another user's or an unknown one", async () => {
    const { userId, passkey } = await userWithPasskey();
    const other = await userWithPasskey();
    const renamed = await renameOwnPasskey(userId, passkey.id, "Work phone");
    expect(renamed).toMatchObject({ id: passkey.id, name: "Work phone", createdAt: passkey.createdAt });
    expect((await listPasskeys(userId))[0]!.name).toBe("Work phone");
    expect(await outcome(renameOwnPasskey(userId, other.passkey.id, "Mine now"))).toMatchObject({ statusCode: 404 });
    expect(await outcome(renameOwnPasskey(userId, randomBytes(16).toString("base64url"), "Nothing"))).toMatchObject({ statusCode: 404 });
    expect((await listPasskeys(other.userId))[0]!.name).toBe(other.passkey.name);
  });

  it("removes the caller's passkey with passkey_removed; 404 for another user's, which stays", async () => {
    const { userId, passkey } = await userWithPasskey();
    const other = await userWithPasskey();
    expect(await outcome(removePasskey(caller(userId), other.passkey.id))).toMatchObject({ statusCode: 404 });
    expect(await listPasskeys(other.userId)).toHaveLength(1);
    expect(isSession(await passkeySignin(other.authenticator))).toBe(true);
    await removePasskey(caller(userId), passkey.id);
    expect(await listPasskeys(userId)).toEqual([]);
    expect(await getPasskey(passkey.id)).toBeUndefined();
    expect(await mfaStatus(userId)).toMatchObject({ passkeys: 0 });
    expect(await eventTypesOf(userId)).toEqual(expect.arrayContaining(["passkey_added", "passkey_removed"]));
    expect(await outcome(removePasskey(caller(userId), passkey.id))).toMatchObject({ statusCode: 404 });
  });

  it("answers 409 last_sign_in_method when a user without a password removes their only passkey", async () => {
    const user = await passwordlessUser();
    const first = device();
    const { passkey } = await addPasskey(user.userId, first);
    expect(await outcome(removePasskey(caller(user.userId), passkey.id))).toMatchObject({ statusCode: 409, code: "last_sign_in_method" });
    // A second passkey (another authenticator: the first one is excluded) lets one go, not both.
    const { passkey: second } = await addPasskey(user.userId, device());
    await removePasskey(caller(user.userId), passkey.id);
    expect(await outcome(removePasskey(caller(user.userId), second.id))).toMatchObject({ statusCode: 409, code: "last_sign_in_method" });
    expect((await listPasskeys(user.userId)).map((p) => p.id)).toEqual([second.id]);
    expect(await userById(user.userId)).toMatchObject({ hasPassword: false });
  });

  it("keeps the last way in when a passwordless user removes two passkeys at once", async () => {
    const user = await passwordlessUser();
    const { passkey: one } = await addPasskey(user.userId, device());
    const { passkey: two } = await addPasskey(user.userId, device());
    const results = await Promise.all([outcome(removePasskey(caller(user.userId), one.id)), outcome(removePasskey(caller(user.userId), two.id))]);
    expect(results.filter((result) => result instanceof HttpError)).toEqual([expect.objectContaining({ statusCode: 409, code: "last_sign_in_method" })]);
    expect(await listPasskeys(user.userId)).toHaveLength(1);
    expect((await getUser(user.userId))?.passkeyIds?.size).toBe(1);
  });

  it("lets a user with a password remove their last passkey", async () => {
    const { userId, passkey } = await userWithPasskey();
    await removePasskey(caller(userId), passkey.id);
    expect(await listPasskeys(userId)).toEqual([]);
  });

  it("needs a multi-factor session to register or remove a passkey when the user has TOTP (403 mfa_required)", async () => {
    const { userId, passkey } = await totpUserWithPasskey();
    expect(await outcome(passkeyRegistrationOptions(caller(userId, false)))).toMatchObject({ statusCode: 403, code: "mfa_required" });
    const options = await passkeyRegistrationOptions(caller(userId, true));
    const response = device().register(options);
    expect(await outcome(registerPasskey(caller(userId, false), { response }))).toMatchObject({ statusCode: 403, code: "mfa_required" });
    expect(await outcome(removePasskey(caller(userId, false), passkey.id))).toMatchObject({ statusCode: 403, code: "mfa_required" });
    expect(await listPasskeys(userId)).toHaveLength(1);
    // From a multi-factor session both work (the challenge was not spent by the refused attempt).
    await registerPasskey(caller(userId, true), { response });
    await removePasskey(caller(userId, true), passkey.id);
    expect((await listPasskeys(userId)).map((p) => p.id)).toEqual([response.id]);
    // Renaming and listing weaken nothing: any session may.
    expect(await renameOwnPasskey(userId, response.id, "Spare key")).toMatchObject({ name: "Spare key" });
  });
});

describe("passkeys go with", () => {
  it("an admin's MFA reset: every passkey removed, the factor gone from mfa_required, the passkey refused", async () => {
    const admin = await signup({ email: uniqueEmail("admin"), password: PASSWORD });
    await grantRoles(admin.user.id, ["user", "admin"]);
    const actor: Actor = { userId: admin.user.id, sid: jwtPayload(admin.accessToken).sid as string, client: {} };
    const { userId, email, authenticator, passkey, now } = await totpUserWithPasskey();
    const { passkey: second } = await addPasskey(userId, device(), { multiFactor: true });
    await resetMfa(actor, userId, now);
    expect(await listPasskeys(userId)).toEqual([]);
    expect(await getPasskey(passkey.id)).toBeUndefined();
    expect(await getPasskey(second.id)).toBeUndefined();
    expect(await mfaStatus(userId)).toEqual({ totp: { enabled: false }, passkeys: 0, recoveryCodes: { remaining: 0 } });
    expect(await passkeySignin(authenticator)).toMatchObject(invalidPasskey);
    const fresh = await signin({ email, password: PASSWORD });
    expect(amrOf(fresh)).toEqual(["pwd"]);
    // The reset ended every session: registering takes a live one. The credential id is free again.
    expect(await outcome(passkeyRegistrationOptions(caller(userId)))).toMatchObject({ statusCode: 401 });
    sids.set(userId, jwtPayload(fresh.accessToken).sid as string);
    const options = await passkeyRegistrationOptions(caller(userId));
    expect(options.excludeCredentials ?? []).toEqual([]);
    expect(await registerPasskey(caller(userId), { response: device().register(options, { credentialId: passkey.id }) })).toMatchObject({ id: passkey.id });
  });

  it("an ended session adds no passkey: a password change between the options and the registration refuses it (401)", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const options = await passkeyRegistrationOptions(caller(user.id));
    const { changePassword } = await import("../../lib/accounts/password-change.js");
    await changePassword(user.id, { currentPassword: PASSWORD, newPassword: "a brand new passphrase" });
    const response = device().register(options);
    expect(await outcome(registerPasskey(caller(user.id), { response }))).toMatchObject({ statusCode: 401 });
    expect(await listPasskeys(user.id)).toEqual([]);
  });

  it("holds a user to 20 passkeys, so that deleting the account stays one transaction", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    for (let i = 0; i < 20; i++) await registerPasskey(caller(user.id), { response: device().register(await passkeyRegistrationOptions(caller(user.id))) });
    const options = await passkeyRegistrationOptions(caller(user.id));
    expect(await outcome(registerPasskey(caller(user.id), { response: device().register(options) }))).toMatchObject({ statusCode: 400 });
    expect(await listPasskeys(user.id)).toHaveLength(20);
    await deleteMyAccount({ userId: user.id, sid: "s", client: {} }, PASSWORD);
    expect(await getUser(user.id)).toBeUndefined();
  });

  it("refuses a user handle that is not one of ours (too long, not a user id) with 401, never a 500", async () => {
    const { authenticator } = await userWithPasskey();
    for (const userHandle of [Buffer.from("A".repeat(3000)).toString("base64url"), Buffer.from("not-a-user-id").toString("base64url")]) {
      const response = authenticator.authenticate(await passkeySigninOptions({}), { userHandle });
      expect(await outcome(verifyPasskeySignin({ response }))).toMatchObject(invalidPasskey);
    }
  });

  it("the account: deleting it removes its passkeys", async () => {
    const { userId, authenticator, passkey } = await userWithPasskey();
    const actor: Actor = { userId, sid: "s", client: {} };
    await deleteMyAccount(actor, PASSWORD);
    expect(await getUser(userId)).toBeUndefined();
    expect(await getPasskey(passkey.id)).toBeUndefined();
    expect(await passkeySignin(authenticator)).toMatchObject(invalidPasskey);
  });
});
