/**
 * The session as the client stores it: the tokens, when the access token
 * expires (on this machine's clock, from `expiresIn`, so that a skewed clock
 * does not matter), and the user it belongs to.
 */
import type { Session, User } from "./types.js";

export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** Milliseconds since the epoch, local clock. */
  expiresAt: number;
  /** Seconds the access token lived for when issued. */
  expiresIn: number;
  user: User;
}

export function toStoredSession(session: Session, now: number): StoredSession {
  return {
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
    expiresAt: now + session.expiresIn * 1000,
    expiresIn: session.expiresIn,
    user: session.user,
  };
}

/**
 * True when the access token should be replaced before use: within
 * `marginSeconds` of its expiry, or within the last quarter of its lifetime
 * when that is shorter (a 60 s token refreshed 30 s early would spend half its
 * life refreshing).
 */
export function needsRefresh(session: StoredSession, now: number, marginSeconds: number): boolean {
  const margin = Math.min(marginSeconds, session.expiresIn / 4) * 1000;
  return now >= session.expiresAt - margin;
}

/** Parses what `serialize` wrote; anything else (an old format, a tampered value) is no session. */
export function parseStoredSession(text: string | null): StoredSession | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<StoredSession>;
    if (
      typeof value.accessToken === "string" &&
      typeof value.refreshToken === "string" &&
      typeof value.expiresAt === "number" &&
      typeof value.expiresIn === "number" &&
      value.user && typeof value.user === "object"
    ) {
      return value as StoredSession;
    }
  } catch {
    // fall through
  }
  return null;
}
