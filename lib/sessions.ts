/**
 * Sessions: a session is one signin on one device. It owns one live refresh
 * token at a time (rotated on every refresh) and names itself in every access
 * token it issues (`sid`), so ending it ends both.
 */
import { randomUUID } from "node:crypto";
import type { ClientInfo } from "./client-info.js";
import { config } from "./config.js";
import { UnauthorizedError } from "./errors.js";
import { isSessionOpen } from "./session-item.js";
import { signingKey } from "./signing-keys.js";
import * as store from "./store.js";
import type { SessionRecord, UserRecord } from "./store.js";
import { hashRefreshToken, issueAccessToken, newRefreshToken, refreshTokenSid } from "./tokens.js";
import { toUser, type User } from "./users.js";

export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
  tokenType: "Bearer";
  expiresIn: number;
}

const REFRESH_TOKEN_REJECTED = "Refresh token is invalid or expired";

const refreshExpiry = (now: number) => Math.floor(now / 1000) + config.refreshTokenTtlSeconds;

/** A new session record for the user and the refresh token that opens it (returned once, stored hashed). */
export function newSession(userId: string, now: number, client: ClientInfo = {}): { record: SessionRecord; refreshToken: string } {
  const sid = randomUUID();
  const refreshToken = newRefreshToken(sid);
  return {
    refreshToken,
    record: {
      sid,
      userId,
      createdAt: now,
      lastUsedAt: now,
      ...client,
      expiresAt: refreshExpiry(now),
      refreshTokenHash: hashRefreshToken(refreshToken),
    },
  };
}

/** The response body of signup, signin and refresh. */
export async function sessionResponse(user: UserRecord, sid: string, refreshToken: string): Promise<Session> {
  const { accessToken, expiresIn } = issueAccessToken(await signingKey(), {
    userId: user.userId,
    roles: user.roles,
    sid,
  });
  return { user: toUser(user), accessToken, refreshToken, tokenType: "Bearer", expiresIn };
}

/** Starts a session for an existing user (signin). */
export async function startSession(user: UserRecord, now = Date.now(), client: ClientInfo = {}): Promise<Session> {
  const { record, refreshToken } = newSession(user.userId, now, client);
  await store.putSession(record);
  return sessionResponse(user, record.sid, refreshToken);
}

/** Not ended, not expired, and not older than the user's last "end every session". */
function isLive(session: SessionRecord, user: UserRecord, now: number): boolean {
  return isSessionOpen(session, now) && (user.sessionsRevokedAt === undefined || session.createdAt > user.sessionsRevokedAt);
}

/** The session a refresh token opens, if the token is its live one. */
async function sessionOf(refreshToken: string): Promise<{ session?: SessionRecord; hash: string; sid?: string }> {
  const sid = refreshTokenSid(refreshToken);
  const hash = hashRefreshToken(refreshToken);
  if (!sid) return { hash };
  const session = await store.getSession(sid);
  return { session: session?.refreshTokenHash === hash ? session : undefined, hash, sid };
}

/**
 * Exchanges a refresh token for a new session response with a new refresh
 * token. A token that was already rotated away is evidence that it leaked:
 * its whole session ends, including the newest refresh token and its access tokens.
 */
export async function refreshSession(refreshToken: string, now = Date.now()): Promise<Session> {
  const { session, hash, sid } = await sessionOf(refreshToken);
  if (!session) {
    // Not a live token. If it is one this session rotated away, it was stolen or replayed.
    const rotated = sid && (await store.getRotatedRefreshToken(hash));
    if (rotated && rotated.sid === sid) await store.revokeSession(sid, now);
    throw new UnauthorizedError(REFRESH_TOKEN_REJECTED);
  }
  const user = await store.getUser(session.userId);
  if (!user || !isLive(session, user, now)) throw new UnauthorizedError(REFRESH_TOKEN_REJECTED);

  const next = newRefreshToken(session.sid);
  const rotated = await store.rotateRefreshToken(
    session,
    { refreshTokenHash: hashRefreshToken(next), expiresAt: refreshExpiry(now) },
    now,
  );
  if (!rotated) {
    // A concurrent refresh with the same token won: this one is a reuse.
    await store.revokeSession(session.sid, now);
    throw new UnauthorizedError(REFRESH_TOKEN_REJECTED);
  }
  return sessionResponse(user, session.sid, next);
}

/** Ends the session a (live) refresh token belongs to, if it belongs to `userId`. */
export async function endSessionByRefreshToken(userId: string, refreshToken: string, now = Date.now()): Promise<void> {
  const { session } = await sessionOf(refreshToken);
  if (!session || session.userId !== userId || session.revokedAt !== undefined) {
    throw new UnauthorizedError(REFRESH_TOKEN_REJECTED);
  }
  await store.revokeSession(session.sid, now);
}

export function endSession(sid: string, now = Date.now()): Promise<void> {
  return store.revokeSession(sid, now);
}

/**
 * Ends every session of the user. The user-level mark stops any refresh of a
 * session the index has not caught up with yet; revoking each session stops
 * its access tokens at the authorizer.
 */
export async function endAllSessions(userId: string, now = Date.now()): Promise<void> {
  await store.markSessionsRevoked(userId, now);
  await revokeListedSessions(userId, now);
}

/** Revokes each session the user's index lists (after the user-level mark was set). */
export async function revokeListedSessions(userId: string, now: number): Promise<void> {
  const sids = await store.listSessionIds(userId);
  await Promise.all(sids.map((sid) => store.revokeSession(sid, now)));
}
