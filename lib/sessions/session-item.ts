/**
 * The session item as session-store.ts (which writes it through the SDK) and
 * session-check.ts (the authorizer's SDK-less read) both see it: its partition
 * key, and when it is open. The two must agree.
 */
const SESSION_PREFIX = "SESSION#";

export const sessionPk = (sid: string) => `${SESSION_PREFIX}${sid}`;

export const sidOfSessionPk = (pk: string) => pk.slice(SESSION_PREFIX.length);

/** Not ended and not expired. TTL deletes expired items late (DynamoDB Local never): the clock decides. */
export const isSessionOpen = (session: { revokedAt?: number; expiresAt: number }, now: number) =>
  session.revokedAt === undefined && session.expiresAt > Math.floor(now / 1000);
