/** POST /auth/signout: ends one session (the caller's own, or the one a refresh token opens), or every session of the caller. */
import { auditEventPut } from "../audit/event-store.js";
import type { ClientInfo } from "../http/client-info.js";
import { UnauthorizedError } from "../platform/errors.js";
import { writeItem } from "../platform/transactions.js";
import { sessionsRevokedUpdate } from "../users/user-store.js";
import { REFRESH_TOKEN_REJECTED, hashRefreshToken, refreshTokenSid } from "./refresh-tokens.js";
import { endSessionRecorded, getSession, type SessionRecord } from "./session-store.js";
import { sessionEvent } from "./sessions.js";

/** The session a refresh token opens, if the token is its live one. */
export async function sessionOfRefreshToken(refreshToken: string): Promise<SessionRecord | undefined> {
  const sid = refreshTokenSid(refreshToken);
  if (!sid) return undefined;
  const session = await getSession(sid);
  return session?.refreshTokenHash === hashRefreshToken(refreshToken) ? session : undefined;
}

/** Signout by refresh token: ends the session a (live) refresh token belongs to, if it belongs to `userId`. */
export async function endSessionByRefreshToken(userId: string, refreshToken: string, now = Date.now(), client: ClientInfo = {}): Promise<void> {
  const session = await sessionOfRefreshToken(refreshToken);
  const ended =
    session !== undefined &&
    session.userId === userId &&
    (await endSessionRecorded(session.sid, now, sessionEvent("signout", userId, now, client, session.sid), userId));
  if (!ended) throw new UnauthorizedError(REFRESH_TOKEN_REJECTED, "invalid_refresh_token");
}

/** Signout of the caller's own session (the one its access token names). */
export async function endSession(userId: string, sid: string, now = Date.now(), client: ClientInfo = {}): Promise<void> {
  // Already ended (a signout racing another): nothing to do and nothing to record.
  await endSessionRecorded(sid, now, sessionEvent("signout", userId, now, client, sid), userId);
}

/**
 * Ends every session of the user (signout with allSessions; one `signout`
 * event without a sessionId) with one write: the user-level mark. Refresh
 * (isLive), the device list and the authorizer (session-check.ts) all hold
 * every session created until then as ended, so no session item is written.
 */
export async function endAllSessions(userId: string, now = Date.now(), client: ClientInfo = {}): Promise<void> {
  await writeItem(sessionsRevokedUpdate(userId, now), auditEventPut(sessionEvent("signout", userId, now, client)));
}
