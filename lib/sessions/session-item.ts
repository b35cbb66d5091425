/**
 * The session item as session-store.ts (which writes it through the SDK) and
 * session-check.ts (the authorizer's SDK-less read) both see it: its partition
 * key, when it is open, and when it is still current for its user. The two
 * must agree.
 */
import { config } from "../platform/config.js";

const SESSION_PREFIX = "SESSION#";

export const sessionPk = (sid: string) => `${SESSION_PREFIX}${sid}`;

export const sidOfSessionPk = (pk: string) => pk.slice(SESSION_PREFIX.length);

/**
 * Not ended, not expired, and younger than SESSION_MAX_AGE_SECONDS (which
 * also caps `expiresAt`, but a lowered setting applies to sessions already
 * open). TTL deletes expired items late (DynamoDB Local never): the clock decides.
 */
export const isSessionOpen = (session: { revokedAt?: number; expiresAt: number; createdAt: number }, now: number) =>
  session.revokedAt === undefined &&
  session.expiresAt > Math.floor(now / 1000) &&
  session.createdAt + config.sessionMaxAgeSeconds * 1000 > now;

/**
 * Whether no "end every session" of the user has happened since the session
 * was created: the session carries the user's sessionVersion of that moment
 * (users/user-store.ts). Sessions stored before versions existed carry none
 * and are judged by the older timestamp mark as well.
 */
export function isSessionCurrent(
  session: { sessionVersion?: number; createdAt: number },
  user: { sessionVersion?: number; sessionsRevokedAt?: number },
): boolean {
  if ((session.sessionVersion ?? 0) !== (user.sessionVersion ?? 0)) return false;
  return session.sessionVersion !== undefined || user.sessionsRevokedAt === undefined || session.createdAt > user.sessionsRevokedAt;
}
