/**
 * What the request handlers ask the mailer to do. A job names the address or
 * account, never a token: the mailer looks the account up, makes the token
 * and sends, so that the request path does the same work whether or not an
 * account exists, and answers alike.
 */
import type { ClientInfo } from "../http/client-info.js";

export type MailRequest =
  /** Forgot password: a reset link if an account has this (canonical) email. */
  | { type: "password-reset-requested"; email: string; client?: ClientInfo }
  /** A verification link to the account's address, at signup or on request: every one counted against the address's verification limit (limits.ts). */
  | { type: "verification-requested"; userId: string }
  /** Notices to the owner after the password changed. */
  | { type: "password-changed"; userId: string }
  | { type: "password-reset"; userId: string }
  /** Notices to the owner after a second factor changed: TOTP confirmed or removed, a recovery code spent, an admin's reset. */
  | { type: "mfa-enabled"; userId: string }
  | { type: "mfa-disabled"; userId: string }
  | { type: "recovery-code-used"; userId: string }
  | { type: "mfa-reset"; userId: string }
  /** A notice to the owner after a passkey was added to the account. */
  | { type: "passkey-added"; userId: string }
  /**
   * An email change the owner asked for (password or second factor proven):
   * a confirmation link to `newEmail` (canonical, counted against its
   * verification limit) and a notice to the account's current address. The
   * token is bound to `sessionVersion`, the user's when it was asked for.
   */
  | { type: "email-change-requested"; userId: string; newEmail: string; sessionVersion: number; client?: ClientInfo };

export type MailJob = MailRequest & {
  /** Counts the email once against the limits however often Lambda retries it. */
  jobId: string;
  /** Epoch ms of the request. */
  at: number;
};

const isString = (value: unknown): value is string => typeof value === "string" && value.length > 0;

/** Checks the shape of an invocation payload: the mailer trusts only what it expects. */
export function parseMailJob(payload: unknown): MailJob {
  const job = payload as Partial<Record<string, unknown>> | null;
  if (typeof job !== "object" || job === null || !isString(job.jobId) || typeof job.at !== "number") {
    throw new Error("mail job without jobId or at");
  }
  const client = typeof job.client === "object" && job.client !== null ? (job.client as ClientInfo) : undefined;
  const base = { jobId: job.jobId, at: job.at };
  switch (job.type) {
    case "password-reset-requested":
      if (isString(job.email)) return { ...base, type: job.type, email: job.email, ...(client && { client }) };
      break;
    case "email-change-requested":
      if (isString(job.userId) && isString(job.newEmail) && Number.isInteger(job.sessionVersion)) {
        return { ...base, type: job.type, userId: job.userId, newEmail: job.newEmail, sessionVersion: job.sessionVersion as number, ...(client && { client }) };
      }
      break;
    case "verification-requested": // a `limited` flag (jobs queued by older code) is dropped: every one is counted
    case "password-changed":
    case "password-reset":
    case "mfa-enabled":
    case "mfa-disabled":
    case "recovery-code-used":
    case "mfa-reset":
    case "passkey-added":
      if (isString(job.userId)) return { ...base, type: job.type, userId: job.userId };
      break;
  }
  throw new Error(`malformed mail job of type ${String(job.type)}`);
}
