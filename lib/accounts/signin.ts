/**
 * Signin as a pipeline that every way to sign in shares:
 *
 *   1. a method (methods/<way>/) proves who the user is and yields a FirstFactor;
 *   2. the account may sign in at all: enabled, and verified when REQUIRE_VERIFIED_EMAIL
 *      (only after the first factor, so that a disabled or unverified account tells a
 *      guesser nothing);
 *   3. the next step (`nextStep`): a session whose `amr` says how the user proved it, or,
 *      for a user with a second factor, 403 mfa_required with an `mfaToken` that
 *      `POST /auth/mfa/verify` (accounts/second-step.ts) turns into the session.
 */
import type { ClientInfo } from "../http/client-info.js";
import { ForbiddenError, HttpError } from "../platform/errors.js";
import type { FirstFactor } from "../methods/first-factor.js";
import { releaseAttempt, recordSuccess } from "../methods/lockout/attempts.js";
import { putPendingSecondStep } from "../methods/mfa/mfa-token-store.js";
import { newMfaToken } from "../methods/mfa/mfa-tokens.js";
import type { SecondFactor } from "../methods/mfa/second-factor.js";
import type { SigninInput } from "../methods/password/input.js";
import { passwordFirstFactor } from "../methods/password/password-check.js";
import { remainingRecoveryCodes } from "../methods/recovery-codes/recovery-code-store.js";
import { config } from "../platform/config.js";
import { startSession, type Session } from "../sessions/sessions.js";
import type { UserRecord } from "../users/user-store.js";

/** What follows a first factor: a session, or a second factor first. */
export type NextStep = { step: "session" } | { step: "second-factor" };

export function nextStep(user: UserRecord): NextStep {
  return user.mfaEnabled ? { step: "second-factor" } : { step: "session" };
}

/** 403 for an account that may not sign in, whatever the method. */
export function refuseAccountState(user: UserRecord): void {
  if (user.disabled) throw new ForbiddenError("This account is disabled", "account_disabled");
  if (config.requireVerifiedEmail && !user.emailVerified) {
    throw new ForbiddenError("Verify your email address first: follow the link we sent to it", "email_not_verified");
  }
}

/**
 * The second step begins: an mfaToken that remembers what the first factor
 * established (its `amr`, the user's sessionVersion it read), and the 403
 * that hands it out with the factors the user can answer with.
 */
export async function secondStepRequired(first: FirstFactor, now: number): Promise<HttpError> {
  const { token, hash } = newMfaToken();
  const [remaining] = await Promise.all([
    remainingRecoveryCodes(first.user.userId),
    putPendingSecondStep(
      hash,
      { userId: first.user.userId, sessionVersion: first.user.sessionVersion ?? 0, amr: first.authentication.amr, method: first.authentication.method },
      now,
    ),
    // The first factor was right, but a right password must not reset the count between guesses at the second.
    first.attempt && releaseAttempt(first.attempt),
  ]);
  // A user who has passkeys too may answer with one (accounts/passkey-signin.ts).
  const factors: (SecondFactor | "passkey")[] = [
    "totp",
    ...(remaining > 0 ? (["recovery_code"] as const) : []),
    ...((first.user.passkeyIds?.size ?? 0) > 0 ? (["passkey"] as const) : []),
  ];
  return new HttpError(403, "mfa_required", "Enter a code from your authenticator app (or a recovery code) to finish signing in", { mfaToken: token, factors });
}

/** Steps 2 and 3, after any method's first factor. */
export async function completeSignin(first: FirstFactor, now: number, client: ClientInfo = {}): Promise<Session> {
  try {
    refuseAccountState(first.user);
  } catch (error) {
    // A right secret of an account that may not sign in is no failure: its attempt must not lock the account.
    if (first.attempt) await releaseAttempt(first.attempt);
    throw error;
  }
  const next = nextStep(first.user);
  switch (next.step) {
    case "session": {
      const [session] = await Promise.all([startSession(first.user, first.authentication, now, client), first.attempt && recordSuccess(first.attempt)]);
      return session;
    }
    case "second-factor":
      throw await secondStepRequired(first, now);
  }
}

/** POST /auth/signin with an email or username and a password. */
export async function signin(input: SigninInput, now = Date.now(), client: ClientInfo = {}): Promise<Session> {
  return completeSignin(await passwordFirstFactor(input, now, client), now, client);
}
