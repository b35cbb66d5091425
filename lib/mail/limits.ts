/**
 * How many emails one address may be sent on request (forgot password,
 * resend verification): at most EMAIL_LIMIT_PER_MINUTE (default 1) a minute
 * and EMAIL_LIMIT_PER_HOUR (default 5) an hour, per purpose. A window opens
 * with the first email and lasts its length (fixed, not sliding). Over the
 * limit the request still gets its usual 202; the email is not sent.
 *
 * Each email is counted by its job id, so that Lambda retrying a failed
 * delivery is not counted twice and is not refused as over the limit.
 */
import { config } from "../platform/config.js";
import { admitToWindow } from "./limit-store.js";

export type EmailPurpose = "reset" | "verify";

export interface EmailWindow {
  seconds: number;
  max: number;
}

export function emailWindows(): EmailWindow[] {
  return [
    { seconds: 60, max: config.emailLimitPerMinute },
    { seconds: 60 * 60, max: config.emailLimitPerHour },
  ];
}

/** The counter of one address, purpose and window length. */
export function limitKey(purpose: EmailPurpose, email: string, window: EmailWindow): string {
  return `${purpose}#${window.seconds}#${email}`;
}

/** Counts email `jobId` to `email` and says whether it may be sent: within every window's limit. */
export async function mayEmail(purpose: EmailPurpose, email: string, jobId: string, now: number): Promise<boolean> {
  // In order: a request refused by the minute limit does not use up the hour's.
  for (const window of emailWindows()) {
    if (!(await admitToWindow(limitKey(purpose, email, window), jobId, window, now))) return false;
  }
  return true;
}
