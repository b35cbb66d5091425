/**
 * The partition key of a session item. Shared by store.ts (which writes
 * sessions through the SDK) and session-check.ts (the authorizer's SDK-less
 * read), which must agree on it.
 */
const SESSION_PREFIX = "SESSION#";

export const sessionPk = (sid: string) => `${SESSION_PREFIX}${sid}`;

export const sidOfSessionPk = (pk: string) => pk.slice(SESSION_PREFIX.length);
