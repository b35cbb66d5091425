/**
 * Sessions: a session is one signin on one device. It owns one live refresh
 * token at a time (rotated on every refresh) and names itself in every access
 * token it issues (`sid`), so ending it ends both.
 */
import { randomUUID } from "node:crypto";
import type { ClientInfo } from "../http/client-info.js";
import { config } from "../platform/config.js";
import { NotFoundError, UnauthorizedError } from "../http/errors.js";
import type { EventType } from "../audit/event-store.js";
import { logger } from "../platform/logger.js";
import { decideRefresh, nextRefreshToken } from "./refresh-rotation.js";
import { serverKey } from "../platform/server-secret.js";
import { isSessionOpen } from "./session-item.js";
import { signingKey } from "../keys/signing-keys.js";
import * as store from "../users/user-store.js";
import type { SessionRecord, SessionSummary, UserRecord } from "../users/user-store.js";
import { hashRefreshToken, issueAccessToken, newRefreshToken, refreshTokenSid } from "../keys/access-tokens.js";
import { toUser, type User } from "../users/users.js";

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

/** Starts a session for an existing user (signin), in one transaction with its `signin` event. */
export async function startSession(user: UserRecord, now = Date.now(), client: ClientInfo = {}): Promise<Session> {
  const { record, refreshToken } = newSession(user.userId, now, client);
  await store.putSession(record, { userId: user.userId, type: "signin", at: now, sessionId: record.sid, ...client });
  return sessionResponse(user, record.sid, refreshToken);
}

/**
 * THE rule for whether a session of this user is live: refresh, the device
 * list and session revocation all ask here. Not ended, not expired, not older
 * than the user's last "end every session", and the account not disabled.
 */
export function isLive(session: Pick<SessionRecord, "createdAt" | "expiresAt" | "revokedAt">, user: UserRecord, now: number): boolean {
  return (
    isSessionOpen(session, now) &&
    (user.sessionsRevokedAt === undefined || session.createdAt > user.sessionsRevokedAt) &&
    !user.disabled
  );
}

/** The session a refresh token opens, if the token is its live one. */
async function sessionOf(refreshToken: string): Promise<SessionRecord | undefined> {
  const sid = refreshTokenSid(refreshToken);
  if (!sid) return undefined;
  const session = await store.getSession(sid);
  return session?.refreshTokenHash === hashRefreshToken(refreshToken) ? session : undefined;
}

/** Rotation attempts before giving up: a lost race re-reads once and finds its token repeatable. */
const MAX_ROTATION_ATTEMPTS = 3;

/**
 * Exchanges a refresh token for a new session response with a new refresh
 * token, by the rules of refresh-rotation.ts: the live token rotates; its
 * predecessor within the grace window gets the same live token again; a token
 * rotated away before that is evidence that it leaked, and its whole session
 * ends, including the newest refresh token and its access tokens.
 * The session records its use (time, IP, User-Agent) at each rotation.
 */
export async function refreshSession(refreshToken: string, now = Date.now(), client: ClientInfo = {}): Promise<Session> {
  const sid = refreshTokenSid(refreshToken);
  if (!sid) throw new UnauthorizedError(REFRESH_TOKEN_REJECTED);
  const presentedHash = hashRefreshToken(refreshToken);
  const next = nextRefreshToken(await serverKey("refresh-token-rotation"), sid, refreshToken);
  const nextHash = hashRefreshToken(next);
  let user: UserRecord | undefined;

  for (let attempt = 1; attempt <= MAX_ROTATION_ATTEMPTS; attempt++) {
    const session = await store.getSession(sid);
    if (!session) break;
    const decision = decideRefresh({ presentedHash, nextHash, state: session, now, graceSeconds: config.refreshReuseGraceSeconds });
    if (decision === "reuse" || (decision === "unknown" && (await store.getRotatedRefreshToken(presentedHash))?.sid === sid)) {
      await endChain(session, now, client);
      break;
    }
    if (decision !== "rotate" && decision !== "repeat") break;

    user ??= await store.getUser(session.userId);
    if (!user || !isLive(session, user, now)) break;
    if (decision === "repeat") return sessionResponse(user, sid, next);
    const rotated = await store.rotateRefreshToken(session, { refreshTokenHash: nextHash, expiresAt: refreshExpiry(now) }, now, client);
    if (rotated) return sessionResponse(user, sid, next);
    // A concurrent refresh with the same token won (or the session ended): read again and decide again.
  }
  throw new UnauthorizedError(REFRESH_TOKEN_REJECTED);
}

/** Refresh-token reuse: the session ends with its access tokens, and the user's log says why. */
async function endChain(session: SessionRecord, now: number, client: ClientInfo): Promise<void> {
  const ended = await store.endSessionRecorded(session.sid, now, auditEvent("refresh_reuse_detected", session.userId, now, client, session.sid));
  if (ended) logger.warn({ userId: session.userId, sid: session.sid }, "refresh token reuse ended a session");
}

const auditEvent = (type: EventType, userId: string, now: number, client: ClientInfo, sessionId?: string) => ({
  type,
  userId,
  at: now,
  ...client,
  ...(sessionId && { sessionId }),
});

/** Signout by refresh token: ends the session a (live) refresh token belongs to, if it belongs to `userId`. */
export async function endSessionByRefreshToken(userId: string, refreshToken: string, now = Date.now(), client: ClientInfo = {}): Promise<void> {
  const session = await sessionOf(refreshToken);
  const ended =
    session !== undefined &&
    session.userId === userId &&
    (await store.endSessionRecorded(session.sid, now, auditEvent("signout", userId, now, client, session.sid), userId));
  if (!ended) throw new UnauthorizedError(REFRESH_TOKEN_REJECTED);
}

/** Signout of the caller's own session (the one its access token names). */
export async function endSession(userId: string, sid: string, now = Date.now(), client: ClientInfo = {}): Promise<void> {
  // Already ended (a signout racing another): nothing to do and nothing to record.
  await store.endSessionRecorded(sid, now, auditEvent("signout", userId, now, client, sid), userId);
}

/**
 * Ends every session of the user (signout with allSessions; one `signout`
 * event without a sessionId) with one write: the user-level mark. Refresh
 * (isLive), the device list and the authorizer (session-check.ts) all hold
 * every session created until then as ended, so no session item is written.
 */
export async function endAllSessions(userId: string, now = Date.now(), client: ClientInfo = {}): Promise<void> {
  await store.markSessionsRevoked(userId, now, auditEvent("signout", userId, now, client));
}

// ---- the device list --------------------------------------------------------

/** One live session as its user sees it (GET /users/me/sessions). */
export interface SessionInfo {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent?: string;
  ipAddress?: string;
  current: boolean;
}

/**
 * How many of a user's session items the list reads at most (10 BatchGetItem
 * calls). Ended sessions stay until their expiry (refresh-token lifetime), so
 * this bounds the work for an account that signs in by script in a loop.
 */
export const MAX_LISTED_SESSIONS = 1000;

const SESSION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Sessions stored before lastUsedAt existed count as last used at their signin. */
const lastUsedAt = (session: SessionSummary) => session.lastUsedAt ?? session.createdAt;

function toSessionInfo(session: SessionSummary, currentSid: string): SessionInfo {
  return {
    id: session.sid,
    createdAt: new Date(session.createdAt).toISOString(),
    lastUsedAt: new Date(lastUsedAt(session)).toISOString(),
    ...(session.userAgent && { userAgent: session.userAgent }),
    ...(session.ipAddress && { ipAddress: session.ipAddress }),
    current: session.sid === currentSid,
  };
}

/** The user's live sessions, most recently used first; `current` marks the caller's. */
export async function listSessions(userId: string, currentSid: string, now = Date.now()): Promise<SessionInfo[]> {
  const [sids, user] = await Promise.all([store.listSessionIds(userId), store.getUser(userId)]);
  if (!user) return [];
  if (sids.length > MAX_LISTED_SESSIONS) {
    logger.warn({ userId, sessionItems: sids.length, read: MAX_LISTED_SESSIONS }, "session list truncated");
  }
  const sessions = await store.getSessions(sids.slice(0, MAX_LISTED_SESSIONS));
  return sessions
    .filter((session) => session.userId === userId && isLive(session, user, now))
    .sort((a, b) => lastUsedAt(b) - lastUsedAt(a) || b.createdAt - a.createdAt)
    .map((session) => toSessionInfo(session, currentSid));
}

/**
 * Ends one of the user's own live sessions (DELETE /users/me/sessions/{sid}),
 * with a `session_revoked` event. 404 for a session that is not the user's,
 * is unknown, malformed, or already ended: none of them tells the caller more.
 */
export async function revokeOwnSession(userId: string, sid: string, now = Date.now(), client: ClientInfo = {}): Promise<void> {
  const notFound = () => new NotFoundError("Session not found");
  if (!SESSION_ID_PATTERN.test(sid)) throw notFound();
  const [session, user] = await Promise.all([store.getSession(sid), store.getUser(userId)]);
  if (!session || !user || session.userId !== userId || !isLive(session, user, now)) throw notFound();
  // The condition (still open, still the user's) closes the race with a concurrent signout.
  const ended = await store.endSessionRecorded(sid, now, auditEvent("session_revoked", userId, now, client, sid), userId);
  if (!ended) throw notFound();
}
