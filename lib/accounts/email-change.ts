/**
 * Moving an account to another email address, in two steps:
 *
 * 1. POST /users/me/email: the owner proves who they are again (the current
 *    password, under the signin lockout; or, without a password, a
 *    second-factor code or a recent multi-factor sign-in), a user with a second factor
 *    from a multi-factor session; an address already in use is 409
 *    `email_taken` (told only to a caller who has just proven the account is
 *    theirs, as Supabase and Auth0 do). The mailer then sends a single-use
 *    link to the new address (counted against its verification limit) and a
 *    notice to the current one (mail/mailer.ts).
 * 2. POST /auth/email/change/confirm with the link's token: one transaction
 *    spends the token, moves the EMAIL# claim (the new one must still be free:
 *    409 otherwise, nothing written), sets the email verified and records
 *    `email_changed` (which names no address).
 *
 * Sessions live on: the change was asked for by a proven owner and confirmed
 * from the new inbox, and no session depends on the address (as at Auth0 and
 * Supabase). A pending reset or verification link, sent to the old address,
 * dies with the move. The token is bound to the user, the new address and the
 * user's sessionVersion: a password change or reset, a disable or "sign out
 * everywhere" in between voids it.
 */
import { auditEventPut } from "../audit/event-store.js";
import type { CallerOnDevice } from "../http/caller.js";
import type { ClientInfo } from "../http/client-info.js";
import { enqueueMail } from "../mail/queue.js";
import { releaseAttempt } from "../methods/lockout/attempts.js";
import { spendSecondFactor } from "../methods/mfa/second-factor.js";
import { requireMultiFactor } from "../methods/mfa/step-up.js";
import { confirmCurrentPassword } from "../methods/password/password-check.js";
import { isTotpCodeShaped } from "../methods/totp/totp.js";
import { oneTimeTokenConsume } from "../one-time-tokens/one-time-token-store.js";
import { invalidToken, usableToken } from "../one-time-tokens/token-check.js";
import { conditionFailedAt, isTransactionCanceled } from "../platform/dynamodb.js";
import { BadRequestError, ConflictError, ForbiddenError } from "../platform/errors.js";
import { transactWrite } from "../platform/transactions.js";
import type { SessionRecord } from "../sessions/session-store.js";
import { authenticatedAt, requireLiveSession } from "../sessions/sessions.js";
import { emailChangeItems } from "../users/profile-store.js";
import { USER_SESSION_FIELDS, findUserIdByEmail, type UserRecord } from "../users/user-store.js";
import { existingUser, toUser, type User } from "../users/users.js";
import type { EmailChangeInput } from "./input.js";

export const EMAIL_CHANGE_ANSWER = "We have sent a confirmation link to the new address; the account moves there once it is opened.";

/** How recent a multi-factor sign-in must be to move a password-less account without a code (OWASP's re-authentication). */
export const RECENT_SIGNIN_SECONDS = 600;

/** The session's user authenticated within RECENT_SIGNIN_SECONDS (refreshes do not count). */
export function signedInRecently(session: Pick<SessionRecord, "authTime" | "createdAt">, now: number): boolean {
  return now - authenticatedAt(session) <= RECENT_SIGNIN_SECONDS * 1000;
}

/** How the caller proves, again, that the account is theirs: the rule, without the network. */
export type EmailChangeProof = "password" | "code" | "session";

/**
 * A user with a password gives it (and, with a second factor, calls from a
 * multi-factor session). A user without one gives a second-factor code, or
 * calls from a multi-factor session (a user-verified passkey, or a provider
 * and a code) that signed in within RECENT_SIGNIN_SECONDS (`signedInRecently`).
 */
export function emailChangeProof(user: Pick<UserRecord, "passwordless" | "mfaEnabled">, input: Omit<EmailChangeInput, "newEmail">, multiFactor: boolean): EmailChangeProof {
  if (input.currentPassword !== undefined) {
    requireMultiFactor(user, multiFactor);
    return "password";
  }
  if (user.passwordless !== true) {
    throw new BadRequestError("Invalid request: currentPassword is required", [{ field: "currentPassword", problem: "is required" }]);
  }
  if (input.code !== undefined) return "code";
  if (multiFactor) return "session";
  throw new ForbiddenError(
    "Confirm with a code of your second factor, or from a session signed in with a passkey (or set a password through the reset email)",
    "mfa_required",
  );
}

const sameAddress = () => new BadRequestError("Invalid request: newEmail is already the account's address", [{ field: "newEmail", problem: "is already the account's address" }]);
const emailTaken = () => new ConflictError("That email address is already in use", "email_taken");

/** The caller, once proven again (see `emailChangeProof`); throws the matching 400/401/403/429 otherwise. */
async function provenCaller(caller: CallerOnDevice, input: EmailChangeInput, now: number): Promise<UserRecord> {
  const before = (user: UserRecord) => {
    if (user.email === input.newEmail) throw sameAddress();
    emailChangeProof(user, input, caller.multiFactor);
  };
  if (input.currentPassword !== undefined) {
    return confirmCurrentPassword(caller.userId, input.currentPassword, now, { client: caller.client, before });
  }
  const user = await existingUser(caller.userId, USER_SESSION_FIELDS);
  before(user);
  if (input.code !== undefined) {
    // A six-digit code is a TOTP code; anything else may be a recovery code. Spent once, under the lockout.
    const attempt = await spendSecondFactor(user, isTotpCodeShaped(input.code) ? "totp" : "recovery_code", input.code, now, caller.client);
    // Not a signin: earlier failures stay counted.
    await releaseAttempt(attempt);
  } else {
    // The authorizer's answer may be cached: an ended session must not move the account.
    const session = await requireLiveSession(caller.sid, user, now);
    // A stolen token carries the session's "multi-factor" too: only a recent sign-in stands in for a proof.
    if (!signedInRecently(session, now)) {
      throw new ForbiddenError(
        `Sign in again (with your passkey, or your provider and a second factor), then change the address within ${RECENT_SIGNIN_SECONDS / 60} minutes; or confirm with a code of your second factor`,
        "mfa_required",
      );
    }
  }
  return user;
}

/** POST /users/me/email: checks, then queues the link to the new address and the notice to the current one. */
export async function requestEmailChange(caller: CallerOnDevice, input: EmailChangeInput, now = Date.now()): Promise<void> {
  const user = await provenCaller(caller, input, now);
  if ((await findUserIdByEmail(input.newEmail)) !== undefined) throw emailTaken();
  // Nothing is written yet: a job Lambda does not take is a 503 the caller can retry.
  await enqueueMail({ type: "email-change-requested", userId: user.userId, newEmail: input.newEmail, sessionVersion: user.sessionVersion ?? 0, client: caller.client }, now);
}

/** POST /auth/email/change/confirm: spends the token and moves the account; answers the user at its new address. */
export async function confirmEmailChange(token: string, now = Date.now(), client: ClientInfo = {}): Promise<User> {
  const { hash, user, record } = await usableToken(token, "email-change", now);
  const newEmail = record.email;
  const sessionVersion = record.sessionVersion;
  if (newEmail === undefined || sessionVersion === undefined || (user.sessionVersion ?? 0) !== sessionVersion) throw invalidToken();
  // Index 0 the token, 1 the user (still holding it, as read), 2 the new claim, 3 the old claim.
  const items = [
    oneTimeTokenConsume("email-change", hash, now),
    ...emailChangeItems(user, { hash, sessionVersion }, newEmail),
    auditEventPut({ userId: user.userId, type: "email_changed", at: now, ...client }),
  ];
  try {
    await transactWrite(items);
  } catch (error) {
    if (!isTransactionCanceled(error)) throw error;
    if (conditionFailedAt(error, 0) || conditionFailedAt(error, 1)) throw invalidToken();
    // Someone signed up with (or moved to) the address since the link was sent; the token stays for a retry if it frees up.
    if (conditionFailedAt(error, 2)) throw emailTaken();
    throw error;
  }
  return toUser({ ...user, email: newEmail, emailVerified: true });
}
