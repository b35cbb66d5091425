// Signin in two steps and the second-factor routes, on the client: signIn
// answers the second step as a typed result instead of throwing, verifyMfa
// keeps the session as signIn does, and every code-taking route sends its code
// and is never retried after a 401 (a wrong code is not cured by a refresh).
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import {
  AuthClient,
  ConflictError,
  ForbiddenError,
  UnauthorizedError,
  type MfaFactor,
  type Session,
  type SigninResult,
  type StoredSession,
} from "../../client/src/index.js";
import { DISABLED_EMAIL, GOOD_RECOVERY_CODE, GOOD_TOTP, MFA_EMAIL, startFakeApi, type FakeApi } from "../helpers/fake-api.js";

let api: FakeApi;
beforeAll(async () => void (api = await startFakeApi()));
afterAll(() => api.close());
beforeEach(() => {
  api.requests.length = 0;
  api.mfa = { totpEnabled: false, pendingEnrollment: false, recoveryCodesLeft: 0 };
});

const PASSWORD = "correct horse battery";

/** A client that heard every session change. */
function client() {
  const auth = new AuthClient({ baseUrl: api.baseUrl });
  const changes: (StoredSession | null)[] = [];
  auth.onSessionChange((session) => changes.push(session));
  return { auth, changes };
}

/** The second step of a signin of the fake's MFA user. */
async function secondStep(auth: AuthClient): Promise<{ mfaToken: string; factors: MfaFactor[] }> {
  const result = await auth.signIn({ email: MFA_EMAIL, password: PASSWORD });
  if (result.status !== "mfa-required") throw new Error(`expected the second step, got ${result.status}`);
  return result;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe("signin in two steps", () => {
  it("a user without a second factor is signed in at once: signIn answers the session and keeps it", async () => {
    const { auth } = client();
    const result = await auth.signIn({ email: "ada@example.com", password: PASSWORD });
    expect(result.status).toBe("signed-in");
    if (result.status !== "signed-in") return;
    expect((await auth.getSession())?.refreshToken).toBe(result.session.refreshToken);
  });

  it("a user with a second factor gets the second step (mfaToken and factors) as a result, not an error, and no session yet", async () => {
    const { auth, changes } = client();
    const result = await auth.signIn({ email: MFA_EMAIL, password: PASSWORD });
    expect(result).toEqual({ status: "mfa-required", mfaToken: "mfa-token-1", factors: ["totp", "recovery_code"] });
    expect(await auth.getSession()).toBeNull();
    expect(changes).toEqual([]);
  });

  it("verifyMfa with a TOTP code sends token, factor and code, and keeps the session exactly as signIn does", async () => {
    const { auth, changes } = client();
    const { mfaToken } = await secondStep(auth);
    const session = await auth.verifyMfa({ mfaToken, factor: "totp", code: GOOD_TOTP });
    expect(api.lastBody("POST /auth/mfa/verify")).toEqual({ mfaToken, factor: "totp", code: GOOD_TOTP });
    const stored = await auth.getSession();
    expect(stored?.accessToken).toBe(session.accessToken);
    expect(stored?.refreshToken).toBe(session.refreshToken);
    expect(changes).toEqual([stored]);
    // The session works like any other: bearer calls carry its token.
    expect((await auth.messages.protected()).text).toBe("This is a protected message.");
  });

  it("a recovery code works in place of a TOTP code", async () => {
    const { auth } = client();
    const { mfaToken } = await secondStep(auth);
    await auth.verifyMfa({ mfaToken, factor: "recovery_code", code: GOOD_RECOVERY_CODE });
    expect(await auth.getSession()).not.toBeNull();
  });

  it("a wrong code throws 401 invalid_mfa_code and keeps nothing; the same mfaToken then works with the right code", async () => {
    const { auth } = client();
    const { mfaToken } = await secondStep(auth);
    const error = await rejection(auth.verifyMfa({ mfaToken, factor: "totp", code: "000000" }));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).code).toBe("invalid_mfa_code");
    expect(await auth.getSession()).toBeNull();
    await auth.verifyMfa({ mfaToken, factor: "totp", code: GOOD_TOTP });
    expect(await auth.getSession()).not.toBeNull();
    // No refresh was tried for the 401: the route is anonymous.
    expect(api.count("POST /auth/refresh")).toBe(0);
  });

  it("an mfaToken that expired, was used or had too many wrong codes throws 401 mfa_token_invalid: sign in again", async () => {
    const { auth } = client();
    const unknown = await rejection(auth.verifyMfa({ mfaToken: "mfa-token-unknown", factor: "totp", code: GOOD_TOTP }));
    expect((unknown as UnauthorizedError).code).toBe("mfa_token_invalid");

    const { mfaToken } = await secondStep(auth);
    for (let n = 0; n < 5; n += 1) await rejection(auth.verifyMfa({ mfaToken, factor: "totp", code: "000000" }));
    const spent = await rejection(auth.verifyMfa({ mfaToken, factor: "totp", code: GOOD_TOTP }));
    expect((spent as UnauthorizedError).code).toBe("mfa_token_invalid");
    expect(await auth.getSession()).toBeNull();
  });

  it("every other refusal of signin still throws its typed error", async () => {
    const { auth } = client();
    const error = await rejection(auth.signIn({ email: DISABLED_EMAIL, password: PASSWORD }));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as ForbiddenError).code).toBe("account_disabled");
  });

  it("types the result so that the session is reached only after checking the step", () => {
    expectTypeOf<SigninResult>().toEqualTypeOf<
      { status: "signed-in"; session: Session } | { status: "mfa-required"; mfaToken: string; factors: MfaFactor[] }
    >();
    expectTypeOf<Parameters<AuthClient["verifyMfa"]>[0]["factor"]>().toEqualTypeOf<"totp" | "recovery_code">();
    expectTypeOf<MfaFactor>().toEqualTypeOf<"totp" | "recovery_code" | "passkey">();
  });
});

describe("the second-factor routes", () => {
  async function signedIn() {
    const { auth, changes } = client();
    await auth.signIn({ email: "ada@example.com", password: PASSWORD });
    changes.length = 0;
    return { auth, changes };
  }

  it("enroll, confirm with a code (10 recovery codes, the stored user now has mfaEnabled), status", async () => {
    const { auth } = await signedIn();
    expect(await auth.mfa.status()).toEqual({ totp: { enabled: false }, passkeys: 0, recoveryCodes: { remaining: 0 } });
    const { secret, otpauthUri } = await auth.mfa.enrollTotp();
    expect(secret).toMatch(/^[A-Z2-7]{32,}$/);
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    const { recoveryCodes } = await auth.mfa.confirmTotp(GOOD_TOTP);
    expect(api.lastBody("POST /users/me/mfa/totp/confirm")).toEqual({ code: GOOD_TOTP });
    expect(recoveryCodes).toHaveLength(10);
    expect((await auth.getSession())?.user.mfaEnabled).toBe(true);
    expect(await auth.mfa.status()).toMatchObject({ totp: { enabled: true }, recoveryCodes: { remaining: 10 } });
  });

  it("a wrong code at confirm throws 401 invalid_mfa_code once: no refresh, no retry, the session stays", async () => {
    const { auth } = await signedIn();
    await auth.mfa.enrollTotp();
    const error = await rejection(auth.mfa.confirmTotp("000000"));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).code).toBe("invalid_mfa_code");
    expect(api.count("POST /users/me/mfa/totp/confirm")).toBe(1);
    expect(api.count("POST /auth/refresh")).toBe(0);
    expect(await auth.getSession()).not.toBeNull();
    expect((await auth.getSession())?.user.mfaEnabled).toBe(false);
  });

  it("the conflicts carry their codes: confirm without an enrollment, enroll while TOTP is on", async () => {
    const { auth } = await signedIn();
    const none = await rejection(auth.mfa.confirmTotp(GOOD_TOTP));
    expect(none).toBeInstanceOf(ConflictError);
    expect((none as ConflictError).code).toBe("no_pending_enrollment");
    api.mfa.totpEnabled = true;
    expect(((await rejection(auth.mfa.enrollTotp())) as ConflictError).code).toBe("mfa_already_enabled");
  });

  it("new recovery codes and removing TOTP take a code in the body; a wrong one is not retried", async () => {
    const { auth } = await signedIn();
    Object.assign(api.mfa, { totpEnabled: true, recoveryCodesLeft: 3 });
    const { recoveryCodes } = await auth.mfa.regenerateRecoveryCodes(GOOD_RECOVERY_CODE);
    expect(recoveryCodes).toHaveLength(10);
    expect(api.lastBody("POST /users/me/mfa/recovery-codes")).toEqual({ code: GOOD_RECOVERY_CODE });

    expect(((await rejection(auth.mfa.removeTotp("000000"))) as UnauthorizedError).code).toBe("invalid_mfa_code");
    expect(api.count("DELETE /users/me/mfa/totp")).toBe(1);
    await auth.mfa.removeTotp(GOOD_TOTP);
    expect(api.lastBody("DELETE /users/me/mfa/totp")).toEqual({ code: GOOD_TOTP });
    expect((await auth.getSession())?.user.mfaEnabled).toBe(false);
    expect(await auth.mfa.status()).toMatchObject({ totp: { enabled: false }, recoveryCodes: { remaining: 0 } });
    expect(api.count("POST /auth/refresh")).toBe(0);
  });

  it("an admin resets a user's second factors: DELETE /users/{id}/mfa with the id encoded", async () => {
    const { auth } = await signedIn();
    await auth.admin.resetMfa("user/2");
    expect(api.requests).toContain("DELETE /users/user%2F2/mfa");
  });
});
