/**
 * Writes that change an account's standing: its roles, whether it is
 * disabled, its deletion. Each is one transaction with the audit event that
 * records it, so that no change happens without its event, and each made by
 * an admin on another account carries a check that the admin is still an
 * enabled admin when it commits (two admins demoting each other at once
 * cannot both succeed; see administration.ts for the rule).
 *
 * Items touched (users table, layout in store.ts):
 *   USER#<userId>          roles, disabled (true or absent), sessionsRevokedAt
 *   EMAIL#<email>, USERNAME#<lower>   the claims, deleted with the user
 *   SIGNIN#user#<userId>   the failed-signin counter, deleted with the user
 *   TOKEN#<sha256>         the user's outstanding reset / verification tokens,
 *                          named on the user item as resetTokenHash / verifyTokenHash
 */
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { config } from "../platform/config.js";
import { conditionFailedAt, documentClient, guarded, isTransactionCanceled } from "../platform/dynamodb.js";
import { auditEventPut, type AuditEvent } from "../audit/event-store.js";
import { emailKey, listSessionIds, sessionKey, signinKey, transactWrite, userKey, usernameKey, type UserRecord } from "../users/user-store.js";

const users = config.usersTable;

/** The user item as this module reads it: with the hashes of its outstanding email tokens (written by the email flows). */
export type StoredUser = UserRecord & { resetTokenHash?: string; verifyTokenHash?: string };

const tokenKey = (hash: string) => ({ pk: `TOKEN#${hash}` });

/** The lockout counter of an account (accounts.ts counts failures under this key). */
export const accountLockoutKey = (userId: string) => `user#${userId}`;

/** Why a write did not happen. */
export type WriteOutcome = "done" | "no-user" | "actor-not-admin" | "changed";

/** A ConditionCheck that the acting admin is still an enabled admin. */
function actorCheck(actorId: string) {
  return {
    ConditionCheck: {
      TableName: users,
      Key: userKey(actorId),
      ConditionExpression: "contains(#roles, :admin) AND attribute_not_exists(disabled)",
      ExpressionAttributeNames: { "#roles": "roles" },
      ExpressionAttributeValues: { ":admin": "admin" },
    },
  };
}

async function commit(
  items: Parameters<typeof transactWrite>[0],
  reasons: { targetAt: number; actorAt?: number; onTarget: WriteOutcome },
): Promise<WriteOutcome> {
  try {
    await transactWrite(items);
    return "done";
  } catch (error) {
    if (!isTransactionCanceled(error)) throw error;
    if (conditionFailedAt(error, reasons.targetAt)) return reasons.onTarget;
    if (reasons.actorAt !== undefined && conditionFailedAt(error, reasons.actorAt)) return "actor-not-admin";
    // Any other condition (a claim no longer pointing at the user) means the item moved on: read again.
    if (((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).some((r) => r.Code === "ConditionalCheckFailed")) {
      return "changed";
    }
    throw error;
  }
}

/**
 * Replaces the user's roles. `actorId` is the admin making the change: on
 * another account it is checked in the same transaction; on their own, the
 * update itself requires that they are still an enabled admin.
 */
export async function writeRoles(actorId: string, userId: string, roles: string[], event: AuditEvent): Promise<WriteOutcome> {
  const self = actorId === userId;
  const update = {
    Update: {
      TableName: users,
      Key: userKey(userId),
      UpdateExpression: "SET #roles = :roles",
      ConditionExpression: self ? "contains(#roles, :admin) AND attribute_not_exists(disabled)" : "attribute_exists(pk)",
      ExpressionAttributeNames: { "#roles": "roles" },
      ExpressionAttributeValues: { ":roles": roles, ...(self && { ":admin": "admin" }) },
    },
  };
  if (self) return commit([update, auditEventPut(event)], { targetAt: 0, onTarget: "actor-not-admin" });
  return commit([update, actorCheck(actorId), auditEventPut(event)], { targetAt: 0, actorAt: 1, onTarget: "no-user" });
}

/** Replaces the user's roles on the operator's word (`npm run grant-role`): no admin to check, the event all the same. */
export async function writeRolesByOperator(userId: string, roles: string[], event: AuditEvent): Promise<WriteOutcome> {
  const update = {
    Update: {
      TableName: users,
      Key: userKey(userId),
      UpdateExpression: "SET #roles = :roles",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeNames: { "#roles": "roles" },
      ExpressionAttributeValues: { ":roles": roles },
    },
  };
  return commit([update, auditEventPut(event)], { targetAt: 0, onTarget: "no-user" });
}

/**
 * Disables (ending every session: the user-level mark stops refresh and the
 * authorizer at once) or enables the account of another user.
 */
export async function writeDisabled(actorId: string, userId: string, disabled: boolean, now: number, event: AuditEvent): Promise<WriteOutcome> {
  const update = {
    Update: {
      TableName: users,
      Key: userKey(userId),
      ...(disabled
        ? { UpdateExpression: "SET disabled = :true, sessionsRevokedAt = :now", ExpressionAttributeValues: { ":true": true, ":now": now } }
        : { UpdateExpression: "REMOVE disabled" }),
      ConditionExpression: "attribute_exists(pk)",
    },
  };
  return commit([update, actorCheck(actorId), auditEventPut(event)], { targetAt: 0, actorAt: 1, onTarget: "no-user" });
}

/**
 * Deletes the user item, its claims, its outstanding email tokens and its
 * failed-signin counter in one transaction, conditioned on the user item
 * being the one read (`user`): a claim or token written since would otherwise
 * outlive it. "changed" asks the caller to read again and retry.
 * With `actorId` (an admin deleting another account) the admin is checked too;
 * `refuseAdmin` (self-deletion) requires the user not to be an admin at commit.
 */
export async function deleteUserItems(
  user: StoredUser,
  event: AuditEvent,
  options: { actorId?: string; refuseAdmin?: boolean },
): Promise<WriteOutcome> {
  const values: Record<string, unknown> = { ":email": user.email };
  const conditions = ["attribute_exists(pk)", "email = :email"];
  const same = (attribute: "username" | "resetTokenHash" | "verifyTokenHash", placeholder: string) => {
    if (user[attribute] === undefined) conditions.push(`attribute_not_exists(${attribute})`);
    else {
      conditions.push(`${attribute} = ${placeholder}`);
      values[placeholder] = user[attribute];
    }
  };
  same("username", ":username");
  same("resetTokenHash", ":reset");
  same("verifyTokenHash", ":verify");
  const names: Record<string, string> = {};
  if (options.refuseAdmin) {
    conditions.push("NOT contains(#roles, :admin)");
    names["#roles"] = "roles";
    values[":admin"] = "admin";
  }
  const claimOf = (key: { pk: string }) => ({
    Delete: {
      TableName: users,
      Key: key,
      ConditionExpression: "userId = :userId",
      ExpressionAttributeValues: { ":userId": user.userId },
    },
  });
  const items: Parameters<typeof transactWrite>[0] = [
    {
      Delete: {
        TableName: users,
        Key: userKey(user.userId),
        ConditionExpression: conditions.join(" AND "),
        ExpressionAttributeValues: values,
        ...(options.refuseAdmin && { ExpressionAttributeNames: names }),
      },
    },
    claimOf(emailKey(user.email)),
    ...(user.username ? [claimOf(usernameKey(user.username))] : []),
    ...[user.resetTokenHash, user.verifyTokenHash]
      .filter((hash): hash is string => typeof hash === "string")
      .map((hash) => ({ Delete: { TableName: users, Key: tokenKey(hash) } })),
    { Delete: { TableName: users, Key: signinKey(accountLockoutKey(user.userId)) } },
    ...(options.actorId ? [actorCheck(options.actorId)] : []),
    auditEventPut(event),
  ];
  const actorAt = options.actorId ? items.length - 2 : undefined;
  return commit(items, { targetAt: 0, actorAt, onTarget: "changed" });
}

/**
 * Deletes the session items of a deleted user (their IP and User-Agent go
 * with them). Already unusable before this runs: the authorizer and refresh
 * both require the user item, which the transaction removed.
 */
export async function deleteSessionsOf(userId: string): Promise<void> {
  const sids = await listSessionIds(userId);
  await Promise.all(
    sids.map((sid) => guarded(() => documentClient.send(new DeleteCommand({ TableName: config.sessionsTable, Key: sessionKey(sid) })))),
  );
}
