/** The caller's device list: GET /users/me/sessions and DELETE /users/me/sessions/{sid}. */
import type { ClientInfo } from "../http/client-info.js";
import { deviceName } from "../http/device-name.js";
import { NotFoundError } from "../platform/errors.js";
import { logger } from "../platform/logger.js";
import { USER_SESSION_FIELDS, getUser } from "../users/user-store.js";
import { endSessionRecorded, getSession, getSessions, listSessionIds, type SessionSummary } from "./session-store.js";
import { isLive, sessionEvent } from "./sessions.js";

/** One live session as its user sees it (GET /users/me/sessions). */
export interface SessionInfo {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent?: string;
  /** A person's name for the device ("Chrome on macOS"), from `userAgent` when read; absent without one. */
  device?: string;
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
  const device = deviceName(session.userAgent);
  return {
    id: session.sid,
    createdAt: new Date(session.createdAt).toISOString(),
    lastUsedAt: new Date(lastUsedAt(session)).toISOString(),
    ...(session.userAgent && { userAgent: session.userAgent }),
    ...(device && { device }),
    ...(session.ipAddress && { ipAddress: session.ipAddress }),
    current: session.sid === currentSid,
  };
}

/** The user's live sessions, most recently used first; `current` marks the caller's. */
export async function listSessions(userId: string, currentSid: string, now = Date.now()): Promise<SessionInfo[]> {
  const [sids, user] = await Promise.all([listSessionIds(userId), getUser(userId, USER_SESSION_FIELDS)]);
  if (!user) return [];
  if (sids.length > MAX_LISTED_SESSIONS) {
    logger.warn({ userId, sessionItems: sids.length, read: MAX_LISTED_SESSIONS }, "session list truncated");
  }
  const sessions = await getSessions(sids.slice(0, MAX_LISTED_SESSIONS));
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
  const [session, user] = await Promise.all([getSession(sid), getUser(userId, USER_SESSION_FIELDS)]);
  if (!session || !user || session.userId !== userId || !isLive(session, user, now)) throw notFound();
  // The condition (still open, still the user's) closes the race with a concurrent signout.
  const ended = await endSessionRecorded(sid, now, sessionEvent("session_revoked", userId, now, client, sid), userId);
  if (!ended) throw notFound();
}
