/**
 * Email verification: the link sent at signup (and again on request) proves
 * that the account's owner reads its address; spending its token sets
 * `emailVerified`.
 */
import type { ClientInfo } from "../http/client-info.js";
import { BadRequestError } from "../http/errors.js";
import { enqueueMail } from "../mail/queue.js";
import { consumeVerifyToken, getOneTimeToken } from "../one-time-tokens/one-time-token-store.js";
import { TOKEN_REJECTED, hashOneTimeToken, isTokenShaped, isTokenUsable } from "../one-time-tokens/one-time-tokens.js";
import * as store from "../users/user-store.js";
import { toUser, type User } from "../users/users.js";

export const RESEND_ANSWER = "Unless the email address is already verified, we have sent a new verification link to it.";

/** Spends a verification token; returns the user, now verified. One 400 for every kind of bad token. */
export async function verifyEmail(token: string, now = Date.now(), client: ClientInfo = {}): Promise<User> {
  const rejected = () => new BadRequestError(TOKEN_REJECTED, [{ field: "token", problem: "is invalid or has expired" }]);
  if (!isTokenShaped(token)) throw rejected();
  const hash = hashOneTimeToken(token);
  const record = await getOneTimeToken(hash);
  const user = record && (await store.getUser(record.userId));
  if (!user || !isTokenUsable(record, "verify", hash, user.verifyTokenHash, now)) throw rejected();
  const consumed = await consumeVerifyToken(
    { hash, userId: user.userId },
    { userId: user.userId, type: "email_verified", at: now, ...client },
    now,
  );
  if (!consumed) throw rejected();
  const { verifyTokenHash: _used, ...rest } = user;
  return toUser({ ...rest, emailVerified: true });
}

/** Queues a new verification email for the caller (limited per address by the mailer; none once verified). */
export async function resendVerificationEmail(userId: string, now = Date.now()): Promise<void> {
  await enqueueMail({ type: "verification-requested", userId, limited: true }, now);
}
