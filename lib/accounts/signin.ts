/**
 * Signin as a pipeline that every way to sign in shares:
 *
 *   1. a method (methods/<way>/) proves who the user is and yields a FirstFactor;
 *   2. the account may sign in at all: enabled, and verified when REQUIRE_VERIFIED_EMAIL
 *      (only after the first factor, so that a disabled or unverified account tells a
 *      guesser nothing);
 *   3. the next step (`nextStep`): a session whose `amr` says how the user proved it.
 *      A second factor joins here, as the step "needs a second factor" (403 mfa_required).
 */
import type { ClientInfo } from "../http/client-info.js";
import { ForbiddenError } from "../platform/errors.js";
import type { FirstFactor } from "../methods/first-factor.js";
import type { SigninInput } from "../methods/password/input.js";
import { passwordFirstFactor } from "../methods/password/password-check.js";
import { config } from "../platform/config.js";
import { startSession, type Session } from "../sessions/sessions.js";
import type { UserRecord } from "../users/user-store.js";

/** What follows a first factor. Today every user goes on to a session; multi-factor users will get a challenge. */
export type NextStep = { step: "session" };

export function nextStep(_user: UserRecord): NextStep {
  return { step: "session" };
}

/** 403 for an account that may not sign in, whatever the method. */
export function refuseAccountState(user: UserRecord): void {
  if (user.disabled) throw new ForbiddenError("This account is disabled", "account_disabled");
  if (config.requireVerifiedEmail && !user.emailVerified) {
    throw new ForbiddenError("Verify your email address first: follow the link we sent to it", "email_not_verified");
  }
}

/** Steps 2 and 3, after any method's first factor. */
export async function completeSignin(first: FirstFactor, now: number, client: ClientInfo = {}): Promise<Session> {
  refuseAccountState(first.user);
  const next = nextStep(first.user);
  switch (next.step) {
    case "session":
      return startSession(first.user, first.authentication, now, client);
  }
}

/** POST /auth/signin with an email or username and a password. */
export async function signin(input: SigninInput, now = Date.now(), client: ClientInfo = {}): Promise<Session> {
  return completeSignin(await passwordFirstFactor(input, now, client), now, client);
}
