/**
 * Account recovery: "forgot password" queues a reset email (the mailer
 * decides whether an account exists, so the answer and the work here are the
 * same either way); "reset" spends the emailed token on a new password. A user
 * without a password sets their first one the same way.
 */
import { auditEventPut } from "../audit/event-store.js";
import type { ClientInfo } from "../http/client-info.js";
import { enqueueMail, enqueueMailAfterChange } from "../mail/queue.js";
import { accountLockoutKey } from "../methods/lockout/lockout.js";
import { signinFailuresDelete } from "../methods/lockout/lockout-store.js";
import { hashPassword, requireAcceptableNewPassword } from "../methods/password/password.js";
import { oneTimeTokenConsume, spendOneTimeToken } from "../one-time-tokens/one-time-token-store.js";
import { invalidToken, usableToken } from "../one-time-tokens/token-check.js";
import { passwordResetUpdate } from "../users/credential-store.js";
import type { PasswordResetInput } from "./input.js";

export const FORGOT_PASSWORD_ANSWER =
  "If an account uses this email address, we have sent it a link to reset the password. The link expires soon; check your spam folder too.";

/** Queues the reset email for `email` (canonical). Throws 503 only when the queue refuses, for any address alike. */
export async function requestPasswordReset(email: string, now = Date.now(), client: ClientInfo = {}): Promise<void> {
  await enqueueMail({ type: "password-reset-requested", email, client }, now);
}

/**
 * Sets a new password with a reset token: the password policy applies, every
 * session ends (access tokens included), the signin lockout is cleared, the
 * email counts as verified, and the owner gets a notice. One 400 for a token
 * that is unknown, expired, replaced or used; of two concurrent uses of one
 * token exactly one succeeds.
 */
export async function resetPassword(input: PasswordResetInput, now = Date.now(), client: ClientInfo = {}): Promise<void> {
  const { hash, user } = await usableToken(input.token, "reset", now);
  requireAcceptableNewPassword(input.newPassword, { email: user.email, username: user.username });
  const passwordHash = await hashPassword(input.newPassword);
  const spent = await spendOneTimeToken(
    oneTimeTokenConsume("reset", hash, now),
    passwordResetUpdate(user.userId, hash, passwordHash, now),
    signinFailuresDelete(accountLockoutKey(user.userId)),
    auditEventPut({ userId: user.userId, type: "password_reset", at: now, ...client }),
  );
  if (!spent) throw invalidToken();
  // The transaction set the user-level mark: every session ends, at the authorizer too (session-check.ts).
  await enqueueMailAfterChange({ type: "password-reset", userId: user.userId }, now);
}
