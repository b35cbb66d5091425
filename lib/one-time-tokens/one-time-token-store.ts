/**
 * The only writer of one-time tokens (one-time-tokens.ts), in the users table:
 *
 *   TOKEN#<sha256 of token>   { kind: "reset" | "verify" | "email-change", userId, expiresAt,
 *                               email?, sessionVersion? (email-change: the new address, the user's version) }   (expires)
 *
 * The user item names the live token of each kind (`resetTokenHash` /
 * `verifyTokenHash` / `emailChangeTokenHash`, users/user-store.ts `heldTokenUpdate`). A token is spent
 * by a transaction that deletes its item (`oneTimeTokenConsume`: it must
 * exist, be of its kind and unexpired) and updates the user on the condition
 * that the user still holds it: of two concurrent uses exactly one passes.
 */
import { auditEventPut, type AuditEvent } from "../audit/event-store.js";
import { config } from "../platform/config.js";
import { conditionFailedAt, getItem, isTransactionCanceled } from "../platform/dynamodb.js";
import { transactWrite, type Delete, type TransactItem } from "../platform/transactions.js";
import { heldTokenUpdate } from "../users/user-store.js";
import type { OneTimeTokenKind, OneTimeTokenRecord } from "./one-time-tokens.js";

const users = config.usersTable;
const tokenKey = (hash: string) => ({ pk: `TOKEN#${hash}` });

export async function getOneTimeToken(hash: string): Promise<OneTimeTokenRecord | undefined> {
  const item = await getItem(users, tokenKey(hash));
  if (!item) return undefined;
  return {
    kind: item.kind as OneTimeTokenKind,
    userId: String(item.userId),
    expiresAt: Number(item.expiresAt),
    ...(typeof item.email === "string" && { email: item.email }),
    ...(typeof item.sessionVersion === "number" && { sessionVersion: item.sessionVersion }),
  };
}

/**
 * Stores a new token for the user and makes it the one the user holds,
 * replacing (and deleting) `replaces`, the user's previous one of that kind.
 * With `event`, records it in the same transaction. False when the user is
 * gone, or no longer has the address `accountEmail` read with it.
 */
export async function issueOneTimeToken(
  token: OneTimeTokenRecord & { hash: string; replaces?: string; accountEmail: string },
  event?: AuditEvent,
): Promise<boolean> {
  try {
    await transactWrite([
      {
        Put: {
          TableName: users,
          Item: {
            ...tokenKey(token.hash),
            kind: token.kind,
            userId: token.userId,
            expiresAt: token.expiresAt,
            ...(token.email !== undefined && { email: token.email }),
            ...(token.sessionVersion !== undefined && { sessionVersion: token.sessionVersion }),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      heldTokenUpdate({ userId: token.userId, email: token.accountEmail }, token.kind, token.hash),
      ...(token.replaces ? [oneTimeTokenDelete(token.replaces)] : []),
      ...(event ? [auditEventPut(event)] : []),
    ]);
    return true;
  } catch (error) {
    if (isTransactionCanceled(error) && conditionFailedAt(error, 1)) return false;
    throw error;
  }
}

/** The item that spends a token: deleted only while it is live and of its kind. */
export function oneTimeTokenConsume(kind: OneTimeTokenKind, hash: string, now: number): Delete {
  return {
    Delete: {
      TableName: users,
      Key: tokenKey(hash),
      ConditionExpression: "attribute_exists(pk) AND kind = :kind AND expiresAt > :now",
      ExpressionAttributeValues: { ":kind": kind, ":now": Math.floor(now / 1000) },
    },
  };
}

/** The item that removes a token whatever its state (replaced, or its user deleted). */
export function oneTimeTokenDelete(hash: string): Delete {
  return { Delete: { TableName: users, Key: tokenKey(hash) } };
}

/**
 * Spends a token in one transaction with `together` (the user's update first,
 * conditioned on still holding it). False when the token was no longer good
 * (used, replaced, expired): the token's or the user's condition failed.
 */
export async function spendOneTimeToken(consume: Delete, ...together: TransactItem[]): Promise<boolean> {
  try {
    await transactWrite([consume, ...together]);
    return true;
  } catch (error) {
    if (isTransactionCanceled(error) && (conditionFailedAt(error, 0) || conditionFailedAt(error, 1))) return false;
    throw error;
  }
}
