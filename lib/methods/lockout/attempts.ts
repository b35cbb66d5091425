/**
 * The lockout (lockout.ts) applied to one attempt at a secret, whatever the
 * method: refuse while locked, count a failure (recording `signin_failed`,
 * and `locked_out` with the lock), forget the failures after a success.
 */
import { auditEventPut, recordAuditEvent, type AuditEvent } from "../../audit/event-store.js";
import type { ClientInfo } from "../../http/client-info.js";
import { TooManyRequestsError } from "../../platform/errors.js";
import type { UserRecord } from "../../users/user-store.js";
import { FAILURE_WINDOW_SECONDS, lockSecondsAfter, retryAfterSeconds } from "./lockout.js";
import { addSigninFailure, clearSigninFailures, lockSignin, type SigninFailures } from "./lockout-store.js";

/** 429 while the counter read for this attempt says the account is locked. */
export function refuseWhileLocked(failures: SigninFailures | undefined, now: number): void {
  const retryAfter = retryAfterSeconds(failures?.lockedUntil, now);
  if (retryAfter > 0) {
    throw new TooManyRequestsError("Too many failed attempts for this account, try again later", retryAfter);
  }
}

/**
 * Counts a failure and, for an existing account, records `signin_failed` (and
 * `locked_out` in the same transaction as the lock). The counter is an
 * UpdateItem that must return the new count, which a transaction cannot, so
 * `signin_failed` is a put of its own, sent alongside it.
 */
export async function recordFailure(key: string, now: number, user: UserRecord | undefined, client: ClientInfo = {}): Promise<void> {
  const eventOf = (type: AuditEvent["type"], at: number): AuditEvent | undefined => user && { userId: user.userId, type, at, ...client };
  const failedEvent = eventOf("signin_failed", now);
  const [failures] = await Promise.all([addSigninFailure(key, now, FAILURE_WINDOW_SECONDS), failedEvent && recordAuditEvent(failedEvent)]);
  const lockSeconds = lockSecondsAfter(failures);
  if (lockSeconds > 0) {
    // One millisecond after the failure that caused it, so that newest-first lists show the lock above it.
    const lockedOut = eventOf("locked_out", now + 1);
    await lockSignin(key, now + lockSeconds * 1000, FAILURE_WINDOW_SECONDS, ...(lockedOut ? [auditEventPut(lockedOut)] : []));
  }
}

/** After a success: the failures read for this attempt are forgotten. */
export async function recordSuccess(key: string, failures: SigninFailures | undefined): Promise<void> {
  if (failures) await clearSigninFailures(key);
}
