/**
 * Refresh-token rotation with a grace window, as pure rules.
 *
 * The next refresh token is derived from the presented one with a server-side
 * key: `<sid>.<base64url(HMAC-SHA256(key, presented))>`. Deriving it (rather
 * than drawing it at random) makes rotation idempotent: every caller that
 * presents the same token within the window gets the same next token, so two
 * tabs refreshing at once, or a client retrying after a lost response, all hold
 * the live one. The key is what keeps this safe: with a keyless derivation
 * (say SHA-256 of the token) a thief of any old token could compute every
 * later token of its chain, the live one included, and refresh unnoticed.
 *
 * What a presented token is, given the session it names (the session keeps
 * only hashes: the live token's, its predecessor's, and when it rotated):
 *
 * | presented token                                   | decision |
 * |---------------------------------------------------|----------|
 * | the live token                                    | rotate   |
 * | the predecessor, within the window (window > 0)   | repeat: hand out the live token again, no write |
 * | the predecessor, after the window, or window = 0  | reuse: end the chain |
 * | anything else                                     | unknown: reuse if the session rotated it away earlier (a tombstone), else reject |
 *
 * Whether the session and its user are still live is decided apart
 * (sessions.ts `isLive`): an ended session answers 401 whatever the token.
 */
import { createHmac } from "node:crypto";

export type RefreshDecision = "rotate" | "repeat" | "reuse" | "unknown" | "reject";

/** What the session item holds about its refresh tokens (hashes only). */
export interface RotationState {
  refreshTokenHash: string;
  previousRefreshTokenHash?: string;
  /** Epoch ms of the last rotation. */
  rotatedAt?: number;
}

/** The token that follows `presented` in its chain (same session id, 256-bit keyed MAC). */
export function nextRefreshToken(key: Buffer, sid: string, presented: string): string {
  return `${sid}.${createHmac("sha256", key).update(presented).digest("base64url")}`;
}

/** Whether a rotation at `rotatedAt` is still within the grace window at `now`. */
export function withinGraceWindow(rotatedAt: number | undefined, now: number, graceSeconds: number): boolean {
  return graceSeconds > 0 && rotatedAt !== undefined && now - rotatedAt <= graceSeconds * 1000;
}

/**
 * Classifies a presented token (by its hash) against the session's rotation
 * state. `nextHash` is the hash of the token derived from the presented one:
 * a repeat hands out the live token only if it is that very token (it is not
 * when the server secret changed since the rotation; then the caller signs in again).
 */
export function decideRefresh(input: {
  presentedHash: string;
  nextHash: string;
  state: RotationState;
  now: number;
  graceSeconds: number;
}): RefreshDecision {
  const { presentedHash, nextHash, state, now, graceSeconds } = input;
  if (presentedHash === state.refreshTokenHash) return "rotate";
  if (presentedHash === state.previousRefreshTokenHash) {
    if (!withinGraceWindow(state.rotatedAt, now, graceSeconds)) return "reuse";
    return nextHash === state.refreshTokenHash ? "repeat" : "reject";
  }
  return "unknown";
}
