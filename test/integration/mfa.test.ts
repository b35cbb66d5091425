// The second factor against DynamoDB Local: enrollment, the two-step signin,
// single use of codes and tokens under parallel requests, the lockout, the
// rule that a second factor needs a multi-factor session, and the admin reset.
// Time is passed explicitly (`now`), a step of 30 s at a time, so that each
// TOTP step is fresh when a test means it to be.
import { describe, expect, it } from "vitest";
import type { Actor } from "../../lib/admin/actor.js";
import { resetMfa } from "../../lib/admin/user-admin.js";
import { deleteMyAccount } from "../../lib/accounts/deletion.js";
import { changePassword } from "../../lib/accounts/password-change.js";
import {
  confirmTotp,
  mfaStatus,
  regenerateRecoveryCodes,
  removeTotp,
  startTotpEnrollment,
} from "../../lib/accounts/second-factor-settings.js";
import { verifySecondStep } from "../../lib/accounts/second-step.js";
import { signin } from "../../lib/accounts/signin.js";
import type { CallerOnDevice } from "../../lib/http/caller.js";
import { signup } from "../../lib/accounts/signup.js";
import { getTotp } from "../../lib/methods/totp/totp-store.js";
import { totpCodeAt } from "../../lib/methods/totp/totp.js";
import { HttpError } from "../../lib/platform/errors.js";
import { checkSession } from "../../lib/sessions/session-check.js";
import type { Session } from "../../lib/sessions/sessions.js";
import { getUser } from "../../lib/users/user-store.js";
import { queryEvents } from "../../lib/audit/event-store.js";
import { grantRoles } from "../helpers/roles.js";
import { PASSWORD, jwtPayload, outcome, uniqueEmail } from "../helpers/fixtures.js";

const STEP = 30_000;

/** The types of the user's recent events, newest first. */
const eventTypesOf = async (userId: string) => (await queryEvents(userId, 50, Date.now() + 3_600_000)).events.map((event) => event.type);


/** A user with a confirmed TOTP: its secret, its recovery codes, and a clock at the step after the confirmation. */
async function userWithTotp(start = Date.now()) {
  const { user, accessToken } = await signup({ email: uniqueEmail(), password: PASSWORD });
  const caller: CallerOnDevice = { userId: user.id, sid: jwtPayload(accessToken).sid as string, multiFactor: false, client: {} };
  const { secret, otpauthUri } = await startTotpEnrollment(caller, start);
  const { recoveryCodes } = await confirmTotp(caller, totpCodeAt(secret, start), start);
  return { user, caller, secret, otpauthUri, recoveryCodes, now: start + STEP };
}

/** The mfa_required answer of a password signin. */
async function firstStep(email: string, now: number): Promise<{ mfaToken: string; factors: string[] }> {
  const refused = await outcome(signin({ email, password: PASSWORD }, now));
  expect(refused).toMatchObject({ statusCode: 403, code: "mfa_required" });
  return (refused as HttpError).details as { mfaToken: string; factors: string[] };
}

describe("enrolling TOTP", () => {
  it("answers a secret once, confirms with a current code, answers 10 recovery codes, and stores the secret encrypted", async () => {
    const { user, secret, otpauthUri, recoveryCodes, now } = await userWithTotp();
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(recoveryCodes).toHaveLength(10);
    const stored = (await getTotp(user.id))!;
    expect(stored.secret).not.toContain(secret);
    expect(stored.confirmedAt).toBeDefined();
    expect(await mfaStatus(user.id)).toMatchObject({ totp: { enabled: true }, passkeys: 0, recoveryCodes: { remaining: 10 } });
    expect((await getUser(user.id))!.mfaEnabled).toBe(true);
    expect(await eventTypesOf(user.id)).toContain("mfa_enabled");
    void now;
  });

  it("refuses a wrong code (counted in the lockout), a second enrollment, and confirming nothing", async () => {
    const { user, accessToken } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const caller: CallerOnDevice = { userId: user.id, sid: jwtPayload(accessToken).sid as string, multiFactor: false, client: {} };
    expect(await outcome(confirmTotp(caller, "123456"))).toMatchObject({ statusCode: 409, code: "no_pending_enrollment" });
    const now = Date.now();
    const { secret } = await startTotpEnrollment(caller, now);
    const wrong = totpCodeAt(secret, now + 10 * STEP);
    expect(await outcome(confirmTotp(caller, wrong, now))).toMatchObject({ statusCode: 401, code: "invalid_mfa_code" });
    expect(await eventTypesOf(user.id)).toContain("mfa_failed");
    expect(await mfaStatus(user.id)).toMatchObject({ totp: { enabled: false } });
    await confirmTotp(caller, totpCodeAt(secret, now), now);
    // Enrolling again needs a multi-factor session first, and then finds one already there.
    expect(await outcome(startTotpEnrollment(caller, now))).toMatchObject({ statusCode: 403, code: "mfa_required" });
    expect(await outcome(startTotpEnrollment({ ...caller, multiFactor: true }, now))).toMatchObject({ statusCode: 409, code: "mfa_already_enabled" });
  });
});

describe("signin in two steps", () => {
  it("asks for the second factor with an mfaToken, and verify answers a multi-factor session (amr pwd, otp, mfa)", async () => {
    const { user, secret, now } = await userWithTotp();
    const { mfaToken, factors } = await firstStep(user.email, now);
    expect(factors).toEqual(["totp", "recovery_code"]);
    expect(mfaToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const session = await verifySecondStep({ mfaToken, factor: "totp", code: totpCodeAt(secret, now) }, now);
    expect(jwtPayload(session.accessToken).amr).toEqual(["pwd", "otp", "mfa"]);
    expect(session.user.mfaEnabled).toBe(true);
    expect(await checkSession(jwtPayload(session.accessToken).sid as string, user.id, now)).toMatchObject({ amr: ["pwd", "otp", "mfa"] });
  });

  it("accepts a time step once: the same code again, even with a new mfaToken, is refused", async () => {
    const { user, secret, now } = await userWithTotp();
    const code = totpCodeAt(secret, now);
    await verifySecondStep({ ...(await firstStep(user.email, now)), factor: "totp", code }, now);
    const replay = await outcome(verifySecondStep({ mfaToken: (await firstStep(user.email, now)).mfaToken, factor: "totp", code }, now));
    expect(replay).toMatchObject({ statusCode: 401, code: "invalid_mfa_code" });
    // The code of the confirmation's own step was spent by the confirmation.
    const earlier = await outcome(verifySecondStep({ mfaToken: (await firstStep(user.email, now)).mfaToken, factor: "totp", code: totpCodeAt(secret, now - STEP) }, now));
    expect(earlier).toMatchObject({ statusCode: 401, code: "invalid_mfa_code" });
  });

  it("spends an mfaToken once, even when two right codes race with it", async () => {
    const { user, secret, recoveryCodes, now } = await userWithTotp();
    const { mfaToken } = await firstStep(user.email, now);
    const results = await Promise.all([
      outcome(verifySecondStep({ mfaToken, factor: "totp", code: totpCodeAt(secret, now) }, now)),
      outcome(verifySecondStep({ mfaToken, factor: "recovery_code", code: recoveryCodes[0]! }, now)),
    ]);
    const sessions = results.filter((result): result is Session => !(result instanceof HttpError));
    expect(sessions).toHaveLength(1);
    expect(results.find((result) => result instanceof HttpError)).toMatchObject({ statusCode: 401 });
    expect(await outcome(verifySecondStep({ mfaToken, factor: "totp", code: totpCodeAt(secret, now + STEP) }, now + STEP))).toMatchObject({
      statusCode: 401,
      code: "mfa_token_invalid",
    });
  });

  it("kills an mfaToken after 5 wrong codes, and refuses unknown, malformed and expired tokens", async () => {
    const { user, secret, now } = await userWithTotp();
    const { mfaToken } = await firstStep(user.email, now);
    for (let i = 0; i < 4; i++) {
      expect(await outcome(verifySecondStep({ mfaToken, factor: "totp", code: "000000" }, now))).toMatchObject({ code: "invalid_mfa_code" });
    }
    // The fifth wrong code locks the account (the lockout counts codes like passwords) and kills the token.
    expect(await outcome(verifySecondStep({ mfaToken, factor: "totp", code: "000000" }, now))).toMatchObject({ code: "invalid_mfa_code" });
    const later = now + 16 * 60_000;
    expect(await outcome(verifySecondStep({ mfaToken, factor: "totp", code: totpCodeAt(secret, later) }, later))).toMatchObject({ code: "mfa_token_invalid" });
    expect(await outcome(verifySecondStep({ mfaToken: "x".repeat(43), factor: "totp", code: "123456" }, now))).toMatchObject({ code: "mfa_token_invalid" });
    expect(await outcome(verifySecondStep({ mfaToken: "short", factor: "totp", code: "123456" }, now))).toMatchObject({ code: "mfa_token_invalid" });
    const fresh = await firstStep(user.email, later);
    const expired = later + 5 * 60_000 + 1000;
    expect(await outcome(verifySecondStep({ mfaToken: fresh.mfaToken, factor: "totp", code: totpCodeAt(secret, expired) }, expired))).toMatchObject({
      code: "mfa_token_invalid",
    });
  });

  it("counts wrong codes in the account's lockout, under parallel requests too: at most 5 are checked", async () => {
    const { user, now } = await userWithTotp();
    const tokens = await Promise.all(Array.from({ length: 3 }, () => firstStep(user.email, now)));
    const guesses = await Promise.all(
      Array.from({ length: 15 }, (_, i) => outcome(verifySecondStep({ mfaToken: tokens[i % 3]!.mfaToken, factor: "totp", code: String(100000 + i) }, now))),
    );
    const checked = guesses.filter((result) => result instanceof HttpError && result.code === "invalid_mfa_code");
    expect(checked.length).toBeLessThanOrEqual(5);
    expect(guesses.filter((result) => result instanceof HttpError && result.statusCode === 429).length).toBeGreaterThanOrEqual(10);
    // Locked: the right password is refused too.
    expect(await outcome(signin({ email: user.email, password: PASSWORD }, now))).toMatchObject({ statusCode: 429 });
  });

  it("does not let a known password reset the count between guesses at the second factor", async () => {
    const { user, now } = await userWithTotp();
    for (let round = 0; round < 5; round++) {
      const { mfaToken } = await firstStep(user.email, now);
      expect(await outcome(verifySecondStep({ mfaToken, factor: "totp", code: "000000" }, now))).toMatchObject({ code: "invalid_mfa_code" });
    }
    expect(await outcome(signin({ email: user.email, password: PASSWORD }, now))).toMatchObject({ statusCode: 429 });
  });

  it("voids the second step when the password changes in between", async () => {
    const { user, secret, now } = await userWithTotp();
    const { mfaToken } = await firstStep(user.email, now);
    const other = await firstStep(user.email, now);
    const session = await verifySecondStep({ mfaToken: other.mfaToken, factor: "totp", code: totpCodeAt(secret, now) }, now);
    await changePassword(user.id, { currentPassword: PASSWORD, newPassword: "a brand new passphrase" }, now, { multiFactor: true });
    const late = await outcome(verifySecondStep({ mfaToken, factor: "totp", code: totpCodeAt(secret, now + STEP) }, now + STEP));
    expect(late).toMatchObject({ statusCode: 401, code: "mfa_token_invalid" });
    expect(await checkSession(jwtPayload(session.accessToken).sid as string, user.id, now + STEP)).toBeUndefined();
  });
});

describe("recovery codes", () => {
  it("each work once, across parallel uses; the count goes down; the event is recorded", async () => {
    const { user, recoveryCodes, now } = await userWithTotp();
    const code = recoveryCodes[3]!;
    const tokens = await Promise.all(Array.from({ length: 4 }, () => firstStep(user.email, now)));
    const uses = await Promise.all(tokens.map(({ mfaToken }) => outcome(verifySecondStep({ mfaToken, factor: "recovery_code", code: code.toUpperCase() }, now))));
    expect(uses.filter((use) => !(use instanceof HttpError))).toHaveLength(1);
    expect(uses.filter((use) => use instanceof HttpError && use.code === "invalid_mfa_code")).toHaveLength(3);
    expect(await mfaStatus(user.id)).toMatchObject({ recoveryCodes: { remaining: 9 } });
    expect(await eventTypesOf(user.id)).toContain("recovery_code_used");
  });

  it("regenerate with a current code: 10 new ones, the old ones stop working", async () => {
    const { user, caller, secret, recoveryCodes, now } = await userWithTotp();
    expect(await outcome(regenerateRecoveryCodes(caller, "000000", now))).toMatchObject({ code: "invalid_mfa_code" });
    const { recoveryCodes: fresh } = await regenerateRecoveryCodes(caller, totpCodeAt(secret, now), now);
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(recoveryCodes[0]);
    const old = await outcome(verifySecondStep({ ...(await firstStep(user.email, now)), factor: "recovery_code", code: recoveryCodes[0]! }, now));
    expect(old).toMatchObject({ code: "invalid_mfa_code" });
    await verifySecondStep({ ...(await firstStep(user.email, now)), factor: "recovery_code", code: fresh[0]! }, now);
    expect(await eventTypesOf(user.id)).toContain("recovery_codes_regenerated");
  });
});

describe("a second factor needs a multi-factor session to weaken it", () => {
  it("password change and account deletion answer 403 mfa_required to a password session, and work from a multi-factor one", async () => {
    const { user, now } = await userWithTotp();
    const input = { currentPassword: PASSWORD, newPassword: "a brand new passphrase" };
    expect(await outcome(changePassword(user.id, input, now, { multiFactor: false }))).toMatchObject({ statusCode: 403, code: "mfa_required" });
    const actor: Actor = { userId: user.id, sid: "s", client: {} };
    expect(await outcome(deleteMyAccount(actor, PASSWORD, now, { multiFactor: false }))).toMatchObject({ statusCode: 403, code: "mfa_required" });
    await changePassword(user.id, input, now, { multiFactor: true });
    await deleteMyAccount(actor, input.newPassword, now, { multiFactor: true });
    expect(await getUser(user.id)).toBeUndefined();
    expect(await getTotp(user.id)).toBeUndefined();
  });

  it("codes entered in the settings do not clear password failures: a session cannot reset the count between guesses", async () => {
    const { user, caller, secret, recoveryCodes, now } = await userWithTotp();
    const wrong = { currentPassword: "not the password", newPassword: "a brand new passphrase" };
    for (let i = 0; i < 4; i++) expect(await outcome(changePassword(user.id, wrong, now, { multiFactor: true }))).toMatchObject({ code: "wrong_password" });
    const { recoveryCodes: fresh } = await regenerateRecoveryCodes(caller, recoveryCodes[0]!, now);
    await removeTotp(caller, totpCodeAt(secret, now), now);
    expect(fresh).toHaveLength(10);
    // The fifth wrong password still locks.
    expect(await outcome(changePassword(user.id, wrong, now, { multiFactor: true }))).toMatchObject({ code: "wrong_password" });
    expect(await outcome(changePassword(user.id, { ...wrong, currentPassword: PASSWORD }, now, { multiFactor: true }))).toMatchObject({ statusCode: 429 });
  });

  it("removing TOTP takes a current code and removes the recovery codes too; signin is one step again", async () => {
    const { user, caller, recoveryCodes, now } = await userWithTotp();
    expect(await outcome(removeTotp(caller, "000000", now))).toMatchObject({ code: "invalid_mfa_code" });
    await removeTotp(caller, recoveryCodes[0]!, now);
    expect(await mfaStatus(user.id)).toEqual({ totp: { enabled: false }, passkeys: 0, recoveryCodes: { remaining: 0 } });
    expect((await signin({ email: user.email, password: PASSWORD }, now)).user.mfaEnabled).toBe(false);
    expect(await outcome(removeTotp(caller, "123456", now))).toMatchObject({ statusCode: 404 });
    // A recovery code used anywhere is recorded (and the owner told).
    expect(await eventTypesOf(user.id)).toEqual(expect.arrayContaining(["mfa_disabled", "recovery_code_used"]));
  });
});

describe("an admin's reset", () => {
  it("removes every second factor, ends the user's sessions and records mfa_reset; not on the admin's own account", async () => {
    const admin = await signup({ email: uniqueEmail("admin"), password: PASSWORD });
    await grantRoles(admin.user.id, ["user", "admin"]);
    const actor: Actor = { userId: admin.user.id, sid: jwtPayload(admin.accessToken).sid as string, client: {} };
    const { user, secret, now } = await userWithTotp();
    const session = await verifySecondStep({ ...(await firstStep(user.email, now)), factor: "totp", code: totpCodeAt(secret, now) }, now);
    await resetMfa(actor, user.id, now);
    expect(await mfaStatus(user.id)).toEqual({ totp: { enabled: false }, passkeys: 0, recoveryCodes: { remaining: 0 } });
    expect(await checkSession(jwtPayload(session.accessToken).sid as string, user.id)).toBeUndefined();
    expect(await eventTypesOf(user.id)).toContain("mfa_reset");
    expect((await signin({ email: user.email, password: PASSWORD })).user.mfaEnabled).toBe(false);
    expect(await outcome(resetMfa(actor, admin.user.id))).toMatchObject({ statusCode: 409, code: "self_protection" });
    expect(await outcome(resetMfa(actor, "00000000-0000-4000-8000-000000000000"))).toMatchObject({ statusCode: 404 });
  });
});
