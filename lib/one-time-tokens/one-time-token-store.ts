/**
 * The DynamoDB items of one-time tokens (one-time-tokens.ts), in the users table:
 *
 *   TOKEN#<sha256 of token>   { kind: "reset" | "verify", userId, expiresAt }   (expires)
 *   USER#<userId>             holds the live one of each kind as `resetTokenHash` / `verifyTokenHash`
 *
 * A token is consumed by one conditional transaction: its item must exist,
 * be of its kind and unexpired, and the user must still hold its hash. Of two
 * concurrent uses exactly one passes; the other's condition fails.
 * Account deletion removes the user's live token items through the two hashes.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { config } from "../platform/config.js";
import { conditionFailedAt, documentClient, guarded, isTransactionCanceled } from "../platform/dynamodb.js";
import { auditEventPut, type AuditEvent } from "../audit/event-store.js";
import type { OneTimeTokenKind, OneTimeTokenRecord } from "./one-time-tokens.js";
import { signinKey, transactWrite } from "../users/user-store.js";

const users = config.usersTable;
const tokenKey = (hash: string) => ({ pk: `TOKEN#${hash}` });
const userKey = (userId: string) => ({ pk: `USER#${userId}` });
const HELD: Record<OneTimeTokenKind, string> = { reset: "resetTokenHash", verify: "verifyTokenHash" };

export async function getOneTimeToken(hash: string): Promise<OneTimeTokenRecord | undefined> {
  const { Item } = await guarded(() =>
    documentClient.send(new GetCommand({ TableName: users, Key: tokenKey(hash), ConsistentRead: true })),
  );
  if (!Item) return undefined;
  return { kind: Item.kind as OneTimeTokenKind, userId: String(Item.userId), expiresAt: Number(Item.expiresAt) };
}

/**
 * Stores a new token for the user and makes it the one the user holds,
 * replacing (and deleting) `replaces`, the user's previous one of that kind.
 * With `event`, records it in the same transaction. False when the user is gone.
 */
export async function issueOneTimeToken(
  token: OneTimeTokenRecord & { hash: string; replaces?: string },
  event?: AuditEvent,
): Promise<boolean> {
  try {
    await transactWrite([
      {
        Put: {
          TableName: users,
          Item: { ...tokenKey(token.hash), kind: token.kind, userId: token.userId, expiresAt: token.expiresAt },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      {
        Update: {
          TableName: users,
          Key: userKey(token.userId),
          UpdateExpression: "SET #held = :hash",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#held": HELD[token.kind] },
          ExpressionAttributeValues: { ":hash": token.hash },
        },
      },
      ...(token.replaces ? [{ Delete: { TableName: users, Key: tokenKey(token.replaces) } }] : []),
      ...(event ? [auditEventPut(event)] : []),
    ]);
    return true;
  } catch (error) {
    if (isTransactionCanceled(error) && conditionFailedAt(error, 1)) return false;
    throw error;
  }
}

/** The token's item may be deleted only while it is live and of its kind. */
function consumeToken(kind: OneTimeTokenKind, hash: string, now: number) {
  return {
    Delete: {
      TableName: users,
      Key: tokenKey(hash),
      ConditionExpression: "attribute_exists(pk) AND kind = :kind AND expiresAt > :now",
      ExpressionAttributeValues: { ":kind": kind, ":now": Math.floor(now / 1000) },
    },
  };
}

const wasRaced = (error: unknown) =>
  isTransactionCanceled(error) && (conditionFailedAt(error, 0) || conditionFailedAt(error, 1));

/**
 * Uses a reset token: sets the new password hash, ends every earlier session
 * (`sessionsRevokedAt`), marks the email verified (the owner read the email),
 * clears the signin lockout, and records `event`, all or nothing. False when
 * the token was no longer good (used, replaced, expired).
 */
export async function consumeResetToken(
  reset: { hash: string; userId: string; passwordHash: string; lockoutKey: string },
  event: AuditEvent,
  now: number,
): Promise<boolean> {
  try {
    await transactWrite([
      consumeToken("reset", reset.hash, now),
      {
        Update: {
          TableName: users,
          Key: userKey(reset.userId),
          UpdateExpression:
            "SET passwordHash = :passwordHash, sessionsRevokedAt = :now, emailVerified = :true REMOVE resetTokenHash",
          ConditionExpression: "attribute_exists(pk) AND resetTokenHash = :hash",
          ExpressionAttributeValues: { ":passwordHash": reset.passwordHash, ":now": now, ":true": true, ":hash": reset.hash },
        },
      },
      { Delete: { TableName: users, Key: signinKey(reset.lockoutKey) } },
      auditEventPut(event),
    ]);
    return true;
  } catch (error) {
    if (wasRaced(error)) return false;
    throw error;
  }
}

/** Uses a verification token: marks the email verified and records `event`. False when no longer good. */
export async function consumeVerifyToken(verify: { hash: string; userId: string }, event: AuditEvent, now: number): Promise<boolean> {
  try {
    await transactWrite([
      consumeToken("verify", verify.hash, now),
      {
        Update: {
          TableName: users,
          Key: userKey(verify.userId),
          UpdateExpression: "SET emailVerified = :true REMOVE verifyTokenHash",
          ConditionExpression: "attribute_exists(pk) AND verifyTokenHash = :hash",
          ExpressionAttributeValues: { ":true": true, ":hash": verify.hash },
        },
      },
      auditEventPut(event),
    ]);
    return true;
  } catch (error) {
    if (wasRaced(error)) return false;
    throw error;
  }
}
