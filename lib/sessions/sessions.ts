/**
 * Sessions: a session is one signin on one device. It records how it was
 * established (`amr`), owns one live refresh token at a time (rotated on every
 * refresh, refresh.ts) and names itself in every access token it issues
 * (`sid`), so ending it (signout.ts) ends both.
 */
import { randomUUID } from "node:crypto";
import type { EventType } from "../audit/event-store.js";
import type { ClientInfo } from "../http/client-info.js";
import { issueAccessToken } from "../keys/access-tokens.js";
import { signingKey } from "../keys/signing-keys.js";
import { config } from "../platform/config.js";
import { permissionsOf } from "../users/roles.js";
import type { UserRecord } from "../users/user-store.js";
import { toUser, type User } from "../users/users.js";
import { hashRefreshToken, newRefreshToken } from "./refresh-tokens.js";
import { isSessionOpen } from "./session-item.js";
import { putSession, type AuthenticationMethod, type SessionRecord } from "./session-store.js";

/** The response body of signup, signin and refresh. */
export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
  tokenType: "Bearer";
  expiresIn: number;
}

/** How a sign-in proved who the user is: the session's `amr`, and the `method` its signin event records. */
export interface Authentication {
  amr: AuthenticationMethod[];
  method: "password";
}

export const refreshExpiry = (now: number) => Math.floor(now / 1000) + config.refreshTokenTtlSeconds;

/** A new session record for the user and the refresh token that opens it (returned once, stored hashed). */
export function newSession(
  userId: string,
  amr: AuthenticationMethod[],
  now: number,
  client: ClientInfo = {},
): { record: SessionRecord; refreshToken: string } {
  const sid = randomUUID();
  const refreshToken = newRefreshToken(sid);
  return {
    refreshToken,
    record: {
      sid,
      userId,
      createdAt: now,
      lastUsedAt: now,
      amr,
      ...client,
      expiresAt: refreshExpiry(now),
      refreshTokenHash: hashRefreshToken(refreshToken),
    },
  };
}

/** The session response: a new access token for the session, with the user as it is now. */
export async function sessionResponse(user: UserRecord, session: Pick<SessionRecord, "sid" | "amr">, refreshToken: string): Promise<Session> {
  const { accessToken, expiresIn } = issueAccessToken(await signingKey(), {
    userId: user.userId,
    roles: user.roles,
    permissions: permissionsOf(user.roles),
    sid: session.sid,
    amr: session.amr,
    clientId: config.firstPartyClientId,
  });
  return { user: toUser(user), accessToken, refreshToken, tokenType: "Bearer", expiresIn };
}

/** Starts a session for an existing user (signin), in one transaction with its `signin` event. */
export async function startSession(user: UserRecord, authentication: Authentication, now = Date.now(), client: ClientInfo = {}): Promise<Session> {
  const { record, refreshToken } = newSession(user.userId, authentication.amr, now, client);
  await putSession(record, { userId: user.userId, type: "signin", method: authentication.method, at: now, sessionId: record.sid, ...client });
  return sessionResponse(user, record, refreshToken);
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

/** An audit event of one of the user's sessions. */
export const sessionEvent = (type: EventType, userId: string, now: number, client: ClientInfo, sessionId?: string) => ({
  type,
  userId,
  at: now,
  ...client,
  ...(sessionId && { sessionId }),
});
