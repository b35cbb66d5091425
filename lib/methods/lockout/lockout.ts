/**
 * Account lockout after failed signins, Cognito-style: the first
 * FAILURES_BEFORE_LOCK failures are free, then each further failure locks the
 * account for twice as long as the last, from one minute up to 15 minutes.
 */
export const FAILURES_BEFORE_LOCK = 5;
export const FIRST_LOCK_SECONDS = 60;
export const MAX_LOCK_SECONDS = 15 * 60;
/** How long failures are remembered after the last one (or after a lock ends). */
export const FAILURE_WINDOW_SECONDS = 15 * 60;

/** Seconds the account is locked after its `failures`-th consecutive failure; 0 for none. */
export function lockSecondsAfter(failures: number): number {
  if (failures < FAILURES_BEFORE_LOCK) return 0;
  const doublings = Math.min(failures - FAILURES_BEFORE_LOCK, 10);
  return Math.min(FIRST_LOCK_SECONDS * 2 ** doublings, MAX_LOCK_SECONDS);
}

/** Whole seconds left on a lock, at least 1 while it lasts; 0 when not locked. */
export function retryAfterSeconds(lockedUntil: number | undefined, now: number): number {
  if (lockedUntil === undefined || lockedUntil <= now) return 0;
  return Math.max(1, Math.ceil((lockedUntil - now) / 1000));
}

/** The counter of an account; every way to sign in and every check of a secret counts failures here. */
export const accountLockoutKey = (userId: string) => `user#${userId}`;

/**
 * The counter of an identifier that matches no account: an unknown email
 * locks exactly like a known one, so a 429 tells nothing about which exist.
 */
export const identifierLockoutKey = (identifier: { email: string } | { username: string }) =>
  "email" in identifier ? `email#${identifier.email}` : `username#${identifier.username.toLowerCase()}`;
