/**
 * Email verification: the link sent at signup (and again on request) proves
 * that the account's owner reads its address; spending its token sets
 * `emailVerified`.
 */
import { auditEventPut } from "../audit/event-store.js";
import type { ClientInfo } from "../http/client-info.js";
import { enqueueMail } from "../mail/queue.js";
import { oneTimeTokenConsume, spendOneTimeToken } from "../one-time-tokens/one-time-token-store.js";
import { invalidToken, usableToken } from "../one-time-tokens/token-check.js";
import { emailVerifiedUpdate } from "../users/user-store.js";
import { toUser, type User } from "../users/users.js";

export const RESEND_ANSWER = "Unless the email address is already verified, we have sent a new verification link to it.";

/** Spends a verification token; returns the user, now verified. One 400 for every kind of bad token. */
export async function verifyEmail(token: string, now = Date.now(), client: ClientInfo = {}): Promise<User> {
  const { hash, user } = await usableToken(token, "verify", now);
  const spent = await spendOneTimeToken(
    oneTimeTokenConsume("verify", hash, now),
    emailVerifiedUpdate(user.userId, hash),
    auditEventPut({ userId: user.userId, type: "email_verified", at: now, ...client }),
  );
  if (!spent) throw invalidToken();
  const { verifyTokenHash: _used, ...rest } = user;
  return toUser({ ...rest, emailVerified: true });
}

/** Queues a new verification email for the caller (limited per address by the mailer, signup's email included; none once verified or disabled). */
export async function resendVerificationEmail(userId: string, now = Date.now()): Promise<void> {
  await enqueueMail({ type: "verification-requested", userId }, now);
}
