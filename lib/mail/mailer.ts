/**
 * The mailer's work, one mail job at a time (functions/mailer.ts): look the
 * account up, apply the per-address limits, make and store the token, render
 * the email and send it through SES. Throwing makes Lambda retry the job
 * (and dead-letter it in the end); a job that must not send (no such
 * account, a disabled one, over the limit, already verified) returns quietly.
 */
import { mayEmail, mayEmailVerificationLink } from "./limits.js";
import { describeDuration, describeTime, linkTo, renderEmail } from "./render.js";
import { logger } from "../platform/logger.js";
import { sendEmail } from "./ses.js";
import { parseMailJob, type MailJob } from "./jobs.js";
import { issueOneTimeToken } from "../one-time-tokens/one-time-token-store.js";
import { mayUseEmailedTokens, newOneTimeToken, tokenExpiresAt, tokenLifetimeSeconds, type OneTimeTokenKind } from "../one-time-tokens/one-time-tokens.js";
import * as store from "../users/user-store.js";
import type { UserRecord } from "../users/user-store.js";
import type { EventType } from "../audit/event-store.js";

/** `superseded`: an email change whose user changed password or ended every session since asking (the request is void). */
export type MailOutcome = "sent" | "no-account" | "disabled" | "over-limit" | "already-verified" | "superseded";

const LINK_PAGE = { reset: "reset-password", verify: "verify-email", "email-change": "confirm-email" } as const;
/** The event recorded with the token, for the kinds asked for by someone other than signup. */
const ISSUE_EVENT: Partial<Record<OneTimeTokenKind, EventType>> = { reset: "password_reset_requested", "email-change": "email_change_requested" };

/** A new token of `kind` for the user, replacing the previous one; the link that carries it. `bound`: an email change's address and version. */
async function issueLink(
  user: UserRecord,
  kind: OneTimeTokenKind,
  job: MailJob,
  now: number,
  bound: { email?: string; sessionVersion?: number } = {},
): Promise<string | undefined> {
  const { token, hash } = newOneTimeToken();
  const replaces = store.heldTokenHash(user, kind);
  const type = ISSUE_EVENT[kind];
  const event = type ? { userId: user.userId, type, at: job.at, ...("client" in job ? job.client : {}) } : undefined;
  const issued = await issueOneTimeToken(
    { kind, userId: user.userId, accountEmail: user.email, hash, expiresAt: tokenExpiresAt(kind, now), ...bound, ...(replaces && { replaces }) },
    event,
  );
  if (!issued) return undefined;
  return linkTo(LINK_PAGE[kind], token);
}

export async function deliverMailJob(job: MailJob, now = Date.now()): Promise<MailOutcome> {
  switch (job.type) {
    case "password-reset-requested": {
      // Counted before the lookup: unknown addresses are limited like known ones.
      if (!(await mayEmail("reset", job.email, job.jobId, now))) return "over-limit";
      const user = await store.findUserByEmail(job.email);
      if (!user) return "no-account";
      // A disabled account is handled by its admins: no link for it (the answer was the same 202).
      if (!mayUseEmailedTokens(user)) return "disabled";
      const link = await issueLink(user, "reset", job, now);
      if (!link) return "no-account";
      await sendEmail(renderEmail("reset-password-link", user.email, { link, expiresIn: describeDuration(tokenLifetimeSeconds("reset")) }));
      return "sent";
    }
    case "verification-requested": {
      const user = await store.getUser(job.userId, store.USER_TOKEN_FIELDS);
      if (!user) return "no-account";
      if (!mayUseEmailedTokens(user)) return "disabled";
      if (user.emailVerified) return "already-verified";
      // Every verification email (signup's too) counts at the address it goes to, whichever account asked.
      if (!(await mayEmailVerificationLink(user.email, job.jobId, now))) return "over-limit";
      const link = await issueLink(user, "verify", job, now);
      if (!link) return "no-account";
      await sendEmail(renderEmail("verify-email-link", user.email, { link, expiresIn: describeDuration(tokenLifetimeSeconds("verify")) }));
      return "sent";
    }
    case "email-change-requested": {
      const user = await store.getUser(job.userId, store.USER_TOKEN_FIELDS);
      if (!user) return "no-account";
      if (!mayUseEmailedTokens(user)) return "disabled";
      // A password change or reset, or "sign out everywhere", since the request voids it (the token is bound to the version too).
      if ((user.sessionVersion ?? 0) !== job.sessionVersion) return "superseded";
      // The link proves the new inbox: it counts against the verification limit of the address it goes to.
      if (!(await mayEmailVerificationLink(job.newEmail, job.jobId, now))) return "over-limit";
      const link = await issueLink(user, "email-change", job, now, { email: job.newEmail, sessionVersion: job.sessionVersion });
      if (!link) return "no-account";
      const expiresIn = describeDuration(tokenLifetimeSeconds("email-change"));
      await sendEmail(renderEmail("email-change-link", job.newEmail, { link, expiresIn }));
      // The notice names no new address: the old inbox may be the reason for the move.
      await sendEmail(renderEmail("email-change-requested-notice", user.email, { time: describeTime(job.at) }));
      return "sent";
    }
    case "password-changed":
    case "password-reset":
    case "mfa-enabled":
    case "mfa-disabled":
    case "recovery-code-used":
    case "mfa-reset":
    case "passkey-added": {
      // A notice of a change already made: sent to the account's address (disabled or not), with no link or secret.
      const user = await store.getUser(job.userId, store.USER_TOKEN_FIELDS);
      if (!user) return "no-account";
      await sendEmail(renderEmail(`${job.type}-notice`, user.email, { time: describeTime(job.at) }));
      return "sent";
    }
  }
}

/**
 * Runs one invocation's job and logs one line: its type, id and outcome
 * (never the address or a token). A failure is logged and rethrown, so that
 * Lambda retries the job and, in the end, dead-letters it.
 */
export async function runMailJob(payload: unknown): Promise<MailOutcome> {
  let job: MailJob | undefined;
  try {
    job = parseMailJob(payload);
    const outcome = await deliverMailJob(job);
    logger.info({ mailJob: job.type, jobId: job.jobId, outcome }, "mail job");
    return outcome;
  } catch (error) {
    logger.error(
      { mailJob: job?.type, jobId: job?.jobId, errorName: (error as Error)?.name, errorMessage: (error as Error)?.message },
      "mail job failed (Lambda retries it, then dead-letters it)",
    );
    throw error;
  }
}
