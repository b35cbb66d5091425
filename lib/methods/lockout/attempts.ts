/**
 * The lockout (lockout.ts) applied to one attempt at a secret, whatever the
 * method: reserve the attempt before checking (429 while locked, or while the
 * threshold's worth of attempts is already being checked), count its failure
 * (recording `signin_failed`, and `locked_out` with the lock), forget the
 * failures after a success.
 */
import { auditEventPut, recordAuditEvent, type AuditEvent } from "../../audit/event-store.js";
import type { ClientInfo } from "../../http/client-info.js";
import { TooManyRequestsError } from "../../platform/errors.js";
import type { UserRecord } from "../../users/user-store.js";
import { FAILURES_BEFORE_LOCK, FAILURE_WINDOW_SECONDS, lockSecondsAfter, retryAfterSeconds } from "./lockout.js";
import { clearSigninFailures, lockSignin, releaseReservation, reserveAttempt } from "./lockout-store.js";

/** A reserved attempt: its counter, and its number in the window. */
export interface Attempt {
  key: string;
  number: number;
}

/**
 * Reserves an attempt at a secret of `key` in one conditional write, before
 * the secret is checked (and before any bcrypt): 429 when refused. An attempt
 * whose check is still running counts, so parallel requests cannot all slip
 * in under the threshold.
 */
export async function reserveAttemptOrRefuse(key: string, now: number): Promise<Attempt> {
  const reservation = await reserveAttempt(key, now, FAILURE_WINDOW_SECONDS, FAILURES_BEFORE_LOCK);
  if (!reservation.reserved) {
    // Refused without a lock: other attempts are being checked right now; a lock may follow them.
    const retryAfter = Math.max(1, retryAfterSeconds(reservation.lockedUntil, now));
    throw new TooManyRequestsError("Too many failed attempts for this account, try again later", retryAfter);
  }
  return { key, number: reservation.attempt };
}

/**
 * The reserved attempt failed: it stays counted and, for an existing account,
 * `failure` is recorded (`signin_failed` for a password, `mfa_failed` for a
 * second-factor code); from the threshold on, the counter locks (with
 * `locked_out` in the same transaction as the lock).
 */
export async function recordFailure(
  attempt: Attempt,
  now: number,
  user: Pick<UserRecord, "userId"> | undefined,
  client: ClientInfo = {},
  failure: "signin_failed" | "mfa_failed" = "signin_failed",
): Promise<void> {
  const eventOf = (type: AuditEvent["type"], at: number): AuditEvent | undefined => user && { userId: user.userId, type, at, ...client };
  const failedEvent = eventOf(failure, now);
  if (failedEvent) await recordAuditEvent(failedEvent);
  const lockSeconds = lockSecondsAfter(attempt.number);
  if (lockSeconds > 0) {
    // One millisecond after the failure that caused it, so that newest-first lists show the lock above it.
    const lockedOut = eventOf("locked_out", now + 1);
    await lockSignin(attempt.key, attempt.number, now + lockSeconds * 1000, FAILURE_WINDOW_SECONDS, ...(lockedOut ? [auditEventPut(lockedOut)] : []));
  }
}

/** The reserved attempt succeeded: every failure of the window is forgotten (lockout-store.ts says when not all). */
export async function recordSuccess(attempt: Attempt): Promise<void> {
  await clearSigninFailures(attempt.key, attempt.number);
}

/**
 * The reserved attempt succeeded but the signin is not done (a second factor
 * follows): it no longer counts, and the earlier failures stay, so that a
 * known password cannot reset the count between guesses at the second factor.
 */
export async function releaseAttempt(attempt: Attempt): Promise<void> {
  await releaseReservation(attempt.key);
}
