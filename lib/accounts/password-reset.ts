/**
 * Account recovery: "forgot password" queues a reset email (the mailer
 * decides whether an account exists, so the answer and the work here are the
 * same either way); "reset" spends the emailed token on a new password.
 */
import type { ClientInfo } from "../http/client-info.js";
import { BadRequestError } from "../http/errors.js";
import { accountLockoutKey } from "../admin/account-writes.js";
import { enqueueMail, enqueueMailAfterChange } from "../mail/queue.js";
import { consumeResetToken, getOneTimeToken } from "../one-time-tokens/one-time-token-store.js";
import { TOKEN_REJECTED, hashOneTimeToken, isTokenShaped, isTokenUsable } from "../one-time-tokens/one-time-tokens.js";
import { hashPassword, passwordProblems } from "../methods/password/password.js";
import * as store from "../users/user-store.js";
import type { PasswordResetInput } from "../http/validation.js";

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
  const rejected = () => new BadRequestError(TOKEN_REJECTED, [{ field: "token", problem: "is invalid or has expired" }]);
  if (!isTokenShaped(input.token)) throw rejected();
  const hash = hashOneTimeToken(input.token);
  const token = await getOneTimeToken(hash);
  const user = token && (await store.getUser(token.userId));
  if (!user || !isTokenUsable(token, "reset", hash, user.resetTokenHash, now)) throw rejected();

  const problems = passwordProblems(input.newPassword, { email: user.email, username: user.username });
  if (problems.length > 0) {
    throw new BadRequestError(
      `Invalid request: newPassword ${problems.join("; ")}`,
      problems.map((problem) => ({ field: "newPassword", problem })),
    );
  }
  const passwordHash = await hashPassword(input.newPassword);
  const consumed = await consumeResetToken(
    { hash, userId: user.userId, passwordHash, lockoutKey: accountLockoutKey(user.userId) },
    { userId: user.userId, type: "password_reset", at: now, ...client },
    now,
  );
  if (!consumed) throw rejected();
  // The transaction set the user-level mark: every session ends, at the authorizer too (session-check.ts).
  await enqueueMailAfterChange({ type: "password-reset", userId: user.userId }, now);
}
