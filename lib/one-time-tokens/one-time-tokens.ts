/**
 * One-time tokens of emailed links: password reset, email verification and
 * email change (bound to the new address and to the user's sessionVersion).
 * 256 random bits (base64url, 43 characters), handed out once inside the
 * link's fragment and stored only as their SHA-256. A token is good while its
 * item exists, has the kind asked for, has not expired, and is still the one
 * its user holds (a newer token of the same kind replaces it); using it
 * consumes it (one-time-token-store.ts).
 */
import { createHash, randomBytes } from "node:crypto";
import { config } from "../platform/config.js";

export type OneTimeTokenKind = "reset" | "verify" | "email-change";

/** What the users table keeps of a token (pk TOKEN#<hash>). */
export interface OneTimeTokenRecord {
  kind: OneTimeTokenKind;
  userId: string;
  /** Epoch seconds (DynamoDB TTL; always compared in code too). */
  expiresAt: number;
  /** An email-change token's new address (canonical): the token moves the account there and nowhere else. */
  email?: string;
  /**
   * An email-change token's user's sessionVersion when it was issued: a password
   * change or reset, a disable or "sign out everywhere" since kills it.
   */
  sessionVersion?: number;
}

/** The one answer for a token that is unknown, expired, used, replaced or of a disabled account: nothing to tell them apart. */
export const TOKEN_REJECTED = "This link is invalid or has expired; request a new one";

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newOneTimeToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashOneTimeToken(token) };
}

export function hashOneTimeToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

/** Whether a string can be a token at all (saves a read for garbage). */
export function isTokenShaped(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** Reset: RESET_TOKEN_TTL_SECONDS; verification and email change (both prove an inbox): VERIFICATION_TOKEN_TTL_SECONDS. */
export function tokenLifetimeSeconds(kind: OneTimeTokenKind): number {
  return kind === "reset" ? config.resetTokenTtlSeconds : config.verificationTokenTtlSeconds;
}

export function tokenExpiresAt(kind: OneTimeTokenKind, now: number): number {
  return Math.floor(now / 1000) + tokenLifetimeSeconds(kind);
}

/**
 * Whether an account may be sent emailed tokens and may spend them: not while
 * an admin has disabled it (its admins handle it, not a link). The one rule of
 * the mailer (no link is issued or sent) and of the token check (none is
 * spent, 400 invalid_token). The spend holds it too, against a disable that
 * lands after the check: the user's update in the spending transaction is
 * conditioned on `attribute_not_exists(disabled)` (users/user-store.ts).
 */
export function mayUseEmailedTokens(user: { disabled?: boolean }): boolean {
  return !user.disabled;
}

/**
 * The token's record is usable for `kind` at `now`, given the hash the user
 * currently holds for that kind (`resetTokenHash` / `verifyTokenHash` /
 * `emailChangeTokenHash`).
 */
export function isTokenUsable(
  record: OneTimeTokenRecord | undefined,
  kind: OneTimeTokenKind,
  hash: string,
  heldHash: string | undefined,
  now: number,
): boolean {
  return record !== undefined && record.kind === kind && record.expiresAt > Math.floor(now / 1000) && heldHash === hash;
}
