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
import { sessionVersionCheck, type UserRecord } from "../users/user-store.js";
import { UnauthorizedError, type HttpError } from "../platform/errors.js";
import type { TransactItem } from "../platform/transactions.js";
import { toUser, type User } from "../users/users.js";
import { hashRefreshToken, newRefreshToken } from "./refresh-tokens.js";
import { isSessionCurrent, isSessionOpen } from "./session-item.js";
import { getSession, putSession, type AuthenticationMethod, type SessionRecord } from "./session-store.js";

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
  method: "password" | "passkey" | `provider:${string}`;
}

/**
 * When a refresh token handed out `now` expires: REFRESH_TOKEN_TTL_SECONDS
 * from now, but never past the session's absolute end (SESSION_MAX_AGE_SECONDS
 * from its signin at `createdAt`), however often it refreshes.
 */
export const refreshExpiry = (createdAt: number, now: number) =>
  // Rounded up: the end to the millisecond is session-item.ts's own check (`isSessionOpen`).
  Math.min(Math.floor(now / 1000) + config.refreshTokenTtlSeconds, Math.ceil((createdAt + config.sessionMaxAgeSeconds * 1000) / 1000));

/**
 * A new session record for the user and the refresh token that opens it
 * (returned once, stored hashed), under the user's current `sessionVersion`.
 */
export function newSession(
  user: Pick<UserRecord, "userId" | "sessionVersion">,
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
      userId: user.userId,
      createdAt: now,
      sessionVersion: user.sessionVersion ?? 0,
      lastUsedAt: now,
      amr,
      ...client,
      expiresAt: refreshExpiry(now, now),
      refreshTokenHash: hashRefreshToken(refreshToken),
    },
  };
}

/** What of a session its access tokens carry besides the user. */
export type TokenSession = Pick<SessionRecord, "sid" | "amr" | "clientId" | "scope" | "audience">;

/**
 * The session response: a new access token for the session, with the user as
 * it is now. A session of an OAuth client keeps that client's `client_id`,
 * `scope` and audience whichever route refreshes it.
 */
export async function sessionResponse(user: UserRecord, session: TokenSession, refreshToken: string): Promise<Session> {
  const { accessToken, expiresIn } = issueAccessToken(await signingKey(), {
    userId: user.userId,
    roles: user.roles,
    permissions: permissionsOf(user.roles),
    sid: session.sid,
    amr: session.amr,
    clientId: session.clientId ?? config.firstPartyClientId,
    ...(session.scope !== undefined && { scope: session.scope }),
    ...(session.audience !== undefined && { audience: session.audience }),
  });
  return { user: toUser(user), accessToken, refreshToken, tokenType: "Bearer", expiresIn };
}

/**
 * Starts a session for an existing user (signin), in one transaction with its
 * `signin` event and a check that the user is still as the signin read it
 * (`user.sessionVersion`). When a password change, reset, disabling or "sign
 * out everywhere" came between, no session is created: `refusal` (by default
 * 401 invalid_credentials: sign in again). `spends` join the transaction with
 * their own conditions (a second step's mfaToken, a passkey's counter): refused alike.
 */
export async function startSession(
  user: UserRecord,
  authentication: Authentication,
  now = Date.now(),
  client: ClientInfo = {},
  options: { spends?: TransactItem | TransactItem[]; refusal?: () => HttpError } = {},
): Promise<Session> {
  const { record, refreshToken } = newSession(user, authentication.amr, now, client);
  const event = { userId: user.userId, type: "signin" as const, method: authentication.method, at: now, sessionId: record.sid, ...client };
  const conditions = [sessionVersionCheck(user), ...[options.spends ?? []].flat()];
  if (!(await putSession(record, conditions, event))) {
    throw options.refusal?.() ?? new UnauthorizedError("The account changed while signing in: sign in again", "invalid_credentials");
  }
  return sessionResponse(user, record, refreshToken);
}

/**
 * THE rule for whether a session of this user is live: refresh, the device
 * list and session revocation all ask here (and the authorizer's
 * session-check.ts by the same session-item.ts rules). Open (not ended,
 * expired or past its maximum age), current (no "end every session" since it
 * was created), and the account not disabled.
 */
export function isLive(
  session: Pick<SessionRecord, "createdAt" | "expiresAt" | "revokedAt" | "sessionVersion">,
  user: Pick<UserRecord, "sessionVersion" | "sessionsRevokedAt" | "disabled">,
  now: number,
): boolean {
  return isSessionOpen(session, now) && isSessionCurrent(session, user) && !user.disabled;
}

/**
 * 401 unless the caller's session `sid` is still live for `user` as just read.
 * The authorizer's answer may be cached for its TTL after a password change,
 * reset, disabling or "sign out everywhere": a write that adds a way in (a
 * passkey, a second factor) checks again here, and conditions its transaction
 * on the user as read (`sessionVersionCheck`).
 */
export async function requireLiveSession(sid: string, user: UserRecord, now = Date.now()): Promise<SessionRecord> {
  const session = await getSession(sid);
  if (!session || session.userId !== user.userId || !isLive(session, user, now)) throw new UnauthorizedError("The session has ended: sign in again");
  return session;
}

/** When the user authenticated (epoch ms): a session from a code exchange keeps its origin's time (authTime), not its own creation. */
export function authenticatedAt(session: Pick<SessionRecord, "authTime" | "createdAt">): number {
  return session.authTime !== undefined ? session.authTime * 1000 : session.createdAt;
}

/** An audit event of one of the user's sessions. */
export const sessionEvent = (type: EventType, userId: string, now: number, client: ClientInfo, sessionId?: string) => ({
  type,
  userId,
  at: now,
  ...client,
  ...(sessionId && { sessionId }),
});
