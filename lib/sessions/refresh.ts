/**
 * POST /auth/refresh: exchanges a refresh token for a new session response,
 * by the rules of refresh-rotation.ts.
 */
import type { ClientInfo } from "../http/client-info.js";
import { UnauthorizedError } from "../platform/errors.js";
import { config } from "../platform/config.js";
import { logger } from "../platform/logger.js";
import { serverKey } from "../platform/server-secret.js";
import { clientExists } from "../clients/client-store.js";
import { USER_SESSION_FIELDS, getUser, type UserRecord } from "../users/user-store.js";
import { decideRefresh, nextRefreshToken } from "./refresh-rotation.js";
import { REFRESH_TOKEN_REJECTED, hashRefreshToken, refreshTokenSid } from "./refresh-tokens.js";
import { endSessionRecorded, getRotatedRefreshToken, getSession, rotateRefreshToken, type SessionRecord } from "./session-store.js";
import { isLive, refreshExpiry, sessionEvent, sessionResponse, type Session } from "./sessions.js";


/** Rotation attempts before giving up: a lost race re-reads once and finds its token repeatable. */
const MAX_ROTATION_ATTEMPTS = 3;

/**
 * The live token rotates; its predecessor within the grace window gets the
 * same live token again; a token rotated away before that is evidence that it
 * leaked, and its whole session ends, including the newest refresh token and
 * its access tokens. The session records its use (time, IP, User-Agent) at
 * each rotation. The new access token carries the session's `amr` and the
 * user's roles as they are now.
 */
export async function refreshSession(refreshToken: string, now = Date.now(), client: ClientInfo = {}): Promise<Session> {
  return (await refreshSessionOf(refreshToken, now, client)).response;
}

/**
 * refreshSession, answering the refreshed session too (the token endpoint
 * shapes its answer from the session's client and scope). With `clientIds`
 * (the clients the one that authenticated at /oauth2/token may refresh for),
 * a session of another client is refused as an unknown token is, and nothing
 * ends: RFC 6749 6 binds a refresh token to its client. A session of an
 * OAuth client refreshes only while that client is registered.
 */
export async function refreshSessionOf(
  refreshToken: string,
  now = Date.now(),
  client: ClientInfo = {},
  expected: { clientIds?: readonly string[] } = {},
): Promise<{ response: Session; session: SessionRecord }> {
  const rejected = () => new UnauthorizedError(REFRESH_TOKEN_REJECTED, "invalid_refresh_token");
  const sid = refreshTokenSid(refreshToken);
  if (!sid) throw rejected();
  const presentedHash = hashRefreshToken(refreshToken);
  const next = nextRefreshToken(await serverKey("refresh-token-rotation"), sid, refreshToken);
  const nextHash = hashRefreshToken(next);
  let user: UserRecord | undefined;

  for (let attempt = 1; attempt <= MAX_ROTATION_ATTEMPTS; attempt++) {
    const session = await getSession(sid);
    if (!session) break;
    if (expected.clientIds && !expected.clientIds.includes(session.clientId ?? config.firstPartyClientId)) break;
    const decision = decideRefresh({ presentedHash, nextHash, state: session, now, graceSeconds: config.refreshReuseGraceSeconds });
    if (decision === "reuse" || (decision === "unknown" && (await getRotatedRefreshToken(presentedHash))?.sid === sid)) {
      await endChain(session, now, client);
      break;
    }
    if (decision !== "rotate" && decision !== "repeat") break;

    if (!user) {
      const [found, clientRegistered] = await Promise.all([
        getUser(session.userId, USER_SESSION_FIELDS),
        session.clientId === undefined || clientExists(session.clientId),
      ]);
      if (!clientRegistered) break;
      user = found;
    }
    if (!user || !isLive(session, user, now)) break;
    if (decision === "repeat") return { response: await sessionResponse(user, session, next), session };
    const rotated = await rotateRefreshToken(session, { refreshTokenHash: nextHash, expiresAt: refreshExpiry(session.createdAt, now) }, now, client);
    if (rotated) return { response: await sessionResponse(user, session, next), session };
    // A concurrent refresh with the same token won (or the session ended): read again and decide again.
  }
  throw rejected();
}

/** Refresh-token reuse: the session ends with its access tokens, and the user's log says why. */
async function endChain(session: SessionRecord, now: number, client: ClientInfo): Promise<void> {
  const ended = await endSessionRecorded(session.sid, now, sessionEvent("refresh_reuse_detected", session.userId, now, client, session.sid));
  if (ended) logger.warn({ userId: session.userId, sid: session.sid }, "refresh token reuse ended a session");
}
