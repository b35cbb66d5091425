/**
 * How many emails one address may be sent, per purpose, each counted in
 * fixed windows (a window opens with the first email and lasts its length,
 * not sliding). Over a limit the request still gets its usual answer; the
 * email is not sent.
 *
 * - "reset" (forgot password): EMAIL_LIMIT_PER_MINUTE (default 1) a minute and
 *   EMAIL_LIMIT_PER_HOUR (default 5) an hour.
 * - "verify": every verification email, whichever flow asked for it (signup,
 *   resend, email change), against one limit: VERIFICATION_EMAIL_LIMIT_PER_MINUTE
 *   (default 2, so that one resend right after signup goes out) and
 *   VERIFICATION_EMAIL_LIMIT_PER_HOUR (default 5).
 *
 * Counted by the address the email goes to (canonical form), never by account:
 * deleting the account and signing up again with the address, or an email
 * change to it, counts against the same limit.
 *
 * Each email is counted by its job id, so that Lambda retrying a failed
 * delivery is not counted twice and is not refused as over the limit.
 */
import { config } from "../platform/config.js";
import { normalizeEmail } from "../users/email-address.js";
import { admitToWindow } from "./limit-store.js";

export type EmailPurpose = "reset" | "verify";

export interface EmailWindow {
  seconds: number;
  max: number;
}

export function emailWindows(purpose: EmailPurpose): EmailWindow[] {
  const [perMinute, perHour] =
    purpose === "verify"
      ? [config.verificationEmailLimitPerMinute, config.verificationEmailLimitPerHour]
      : [config.emailLimitPerMinute, config.emailLimitPerHour];
  return [
    { seconds: 60, max: perMinute },
    { seconds: 60 * 60, max: perHour },
  ];
}

/** The counter of one address (in its canonical form), purpose and window length. */
export function limitKey(purpose: EmailPurpose, email: string, window: EmailWindow): string {
  return `${purpose}#${window.seconds}#${normalizeEmail(email)}`;
}

/** Counts email `jobId` to `email` and says whether it may be sent: within every window's limit. */
export async function mayEmail(purpose: EmailPurpose, email: string, jobId: string, now: number): Promise<boolean> {
  // In order: a request refused by the minute limit does not use up the hour's.
  for (const window of emailWindows(purpose)) {
    if (!(await admitToWindow(limitKey(purpose, email, window), jobId, window, now))) return false;
  }
  return true;
}

/**
 * Counts a verification email to `address`, the address its link goes to (the
 * account's, or the new one of an email change), and says whether it may be sent.
 */
export function mayEmailVerificationLink(address: string, jobId: string, now: number): Promise<boolean> {
  return mayEmail("verify", address, jobId, now);
}
