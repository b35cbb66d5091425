/**
 * The user item's credentials, as transaction items: its password hash, its
 * second factor's flag and its passkeys' ids. Part of the users store: the
 * key layout is at the top of user-store.ts, and only these two modules write
 * user items. Changing a password ends every session (END_SESSIONS).
 */
import type { Update } from "../platform/transactions.js";
import { END_SESSIONS, asRead, endSessionsValues, userUpdate, type UserRecord } from "./user-store.js";

/** A new password hash; every earlier session ends, and a pending reset token dies with the old password. */
export function passwordSetUpdate(userId: string, passwordHash: string, now: number): Update {
  return userUpdate(userId, {
    UpdateExpression: `SET passwordHash = :hash, ${END_SESSIONS} REMOVE resetTokenHash, passwordless`,
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeValues: { ":hash": passwordHash, ...endSessionsValues(now) },
  });
}

/**
 * The same password's hash made again (at a new BCRYPT_COST, methods/password/password-check.ts):
 * only while the stored hash is still `oldHash`, so that a password changed meanwhile stays.
 * The password did not change: sessions and a pending reset token live on.
 */
export function passwordRehashUpdate(userId: string, oldHash: string, newHash: string): Update {
  return userUpdate(userId, {
    UpdateExpression: "SET passwordHash = :new",
    ConditionExpression: "passwordHash = :old",
    ExpressionAttributeValues: { ":new": newHash, ":old": oldHash },
  });
}

/**
 * A reset token spent, while the user still holds it and is enabled: the new password, every
 * earlier session ended, and the email verified (the owner read the email).
 */
export function passwordResetUpdate(userId: string, tokenHash: string, passwordHash: string, now: number): Update {
  return userUpdate(userId, {
    UpdateExpression: `SET passwordHash = :passwordHash, emailVerified = :true, ${END_SESSIONS} REMOVE resetTokenHash, passwordless`,
    ConditionExpression: "attribute_exists(pk) AND resetTokenHash = :hash AND attribute_not_exists(disabled)",
    ExpressionAttributeValues: { ":passwordHash": passwordHash, ":true": true, ":hash": tokenHash, ...endSessionsValues(now) },
  });
}

/** The user now has a second factor (in the transaction that confirms it), while still as read (`asRead`). */
export function mfaEnabledUpdate(user: Pick<UserRecord, "userId" | "sessionVersion">): Update {
  const read = asRead(user);
  return userUpdate(user.userId, {
    UpdateExpression: "SET mfaEnabled = :true",
    ConditionExpression: read.expression,
    ExpressionAttributeValues: { ":true": true, ...read.values },
  });
}

/**
 * The user's second factor is gone (removed by its owner, whose session goes
 * on; or reset by an admin, `endSessions`, which also ends every session, the
 * lost device may hold one, and forgets every passkey).
 */
export function mfaDisabledUpdate(userId: string, now: number, options: { endSessions: boolean }): Update {
  return userUpdate(userId, {
    UpdateExpression: options.endSessions ? `SET ${END_SESSIONS} REMOVE mfaEnabled, passkeyIds` : "REMOVE mfaEnabled",
    ConditionExpression: "attribute_exists(pk)",
    ...(options.endSessions && { ExpressionAttributeValues: endSessionsValues(now) }),
  });
}

/**
 * The most passkeys a user may have: enough for every device, and few enough
 * that deleting an account or resetting its factors stays one transaction
 * (DynamoDB: 100 items).
 */
export const MAX_PASSKEYS = 20;

/**
 * A passkey joins the user's list (in the transaction that stores it), while
 * the user is still as read (user-store.ts `asRead`: no session ended since)
 * and has fewer than MAX_PASSKEYS.
 */
export function passkeyAddedUpdate(user: Pick<UserRecord, "userId" | "sessionVersion">, credentialId: string): Update {
  const read = asRead(user);
  return userUpdate(user.userId, {
    UpdateExpression: "ADD passkeyIds :id",
    ConditionExpression: `${read.expression} AND (attribute_not_exists(passkeyIds) OR size(passkeyIds) < :max)`,
    ExpressionAttributeValues: { ":id": new Set([credentialId]), ":max": MAX_PASSKEYS, ...read.values },
  });
}

/**
 * A passkey leaves the user's list, unless it is the user's last way to sign
 * in: a user without a password or a linked identity keeps their only passkey.
 */
export function passkeyRemovedUpdate(userId: string, credentialId: string): Update {
  return userUpdate(userId, {
    UpdateExpression: "DELETE passkeyIds :id",
    ConditionExpression: "contains(passkeyIds, :one) AND (attribute_not_exists(passwordless) OR size(passkeyIds) > :last OR size(identities) > :none)",
    ExpressionAttributeValues: { ":id": new Set([credentialId]), ":one": credentialId, ":last": 1, ":none": 0 },
  });
}
