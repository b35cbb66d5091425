/**
 * The `mfaToken` that a first factor hands out when a second one must follow:
 * 256 random bits (base64url), stored only as its SHA-256, good for 5
 * minutes, for one session, and for at most 5 wrong codes.
 */
import { createHash, randomBytes } from "node:crypto";

export const MFA_TOKEN_TTL_SECONDS = 5 * 60;
export const MAX_WRONG_CODES = 5;

export function newMfaToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashMfaToken(token) };
}

export const hashMfaToken = (token: string) => createHash("sha256").update(token).digest("base64url");

export const isMfaTokenShaped = (token: string) => /^[A-Za-z0-9_-]{43}$/.test(token);
