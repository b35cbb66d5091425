/**
 * Refresh tokens: opaque, `<sid>.<secret>` with 256 random bits, stored only
 * as their SHA-256 (session-store.ts). The next token of a chain is derived
 * (refresh-rotation.ts).
 */
import { createHash, randomBytes } from "node:crypto";

/**
 * An opaque refresh token: `<sid>.<secret>`, the secret 256 random bits
 * (base64url). Naming its session lets a refresh find the session in one
 * keyed read; the session id is no secret (every access token carries it).
 */
export function newRefreshToken(sid: string): string {
  return `${sid}.${randomBytes(32).toString("base64url")}`;
}

const REFRESH_TOKEN_PATTERN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[A-Za-z0-9_-]{43}$/;

/** The session a refresh token names, or undefined when it is not shaped like one of ours. */
export function refreshTokenSid(refreshToken: string): string | undefined {
  return REFRESH_TOKEN_PATTERN.exec(refreshToken)?.[1];
}

/** Refresh tokens are stored only as this hash; SHA-256 suffices for 256-bit random secrets. */
export function hashRefreshToken(refreshToken: string): string {
  return createHash("sha256").update(refreshToken).digest("base64url");
}

/** The one answer for a refresh token that does not refresh: unknown, expired, rotated away or revoked alike. */
export const REFRESH_TOKEN_REJECTED = "Refresh token is invalid or expired";
