/**
 * The users store's transaction items that move a uniqueness claim: a new
 * username (`profileUpdateItems`, with the name) and a new email address
 * (`emailChangeItems`). Part of the users store: the key layout is at the top
 * of user-store.ts (USER#, EMAIL#, USERNAME#), and only these modules write
 * those items. A move is one transaction: the new claim must not exist yet,
 * the old one must be this user's, and the user item must still be as read.
 */
import type { Delete, Put, TransactItem } from "../platform/transactions.js";
import { config } from "../platform/config.js";
import { emailKey, userUpdate, usernameKey, type UserRecord } from "./user-store.js";

const users = config.usersTable;

/** The condition "the user item still has the username as read" (none, or this one). */
function sameUsername(user: Pick<UserRecord, "username">): { expression: string; values: Record<string, string> } {
  return user.username === undefined
    ? { expression: "attribute_not_exists(username)", values: {} }
    : { expression: "username = :oldUsername", values: { ":oldUsername": user.username } };
}

const claimDelete = (key: { pk: string }, userId: string): Delete => ({
  Delete: { TableName: users, Key: key, ConditionExpression: "userId = :userId", ExpressionAttributeValues: { ":userId": userId } },
});
const claimPut = (key: { pk: string }, userId: string): Put => ({
  Put: { TableName: users, Item: { ...key, userId }, ConditionExpression: "attribute_not_exists(pk)" },
});

/**
 * A new name and/or username for `user` (as read). A username whose claim
 * changes (not only its case) moves it: the new claim first (index 0, it must
 * not exist: `username_taken`), the old one deleted on the condition that it
 * is this user's. The user item is updated last, while its username is still
 * the one read, so two concurrent changes cannot both move the claim.
 */
export function profileUpdateItems(user: Pick<UserRecord, "userId" | "username">, changes: { name?: string; username?: string }): { items: TransactItem[]; claimAt?: number } {
  const moves = changes.username !== undefined && changes.username.toLowerCase() !== user.username?.toLowerCase();
  const read = sameUsername(user);
  const sets = [
    ...(changes.name !== undefined ? ["#name = :name"] : []),
    ...(changes.username !== undefined ? ["username = :username"] : []),
  ];
  const update = userUpdate(user.userId, {
    UpdateExpression: `SET ${sets.join(", ")}`,
    ConditionExpression: `attribute_exists(pk) AND ${read.expression}`,
    ...(changes.name !== undefined && { ExpressionAttributeNames: { "#name": "name" } }),
    ExpressionAttributeValues: {
      ...read.values,
      ...(changes.name !== undefined && { ":name": changes.name }),
      ...(changes.username !== undefined && { ":username": changes.username }),
    },
  });
  if (!moves) return { items: [update] };
  return {
    items: [
      claimPut(usernameKey(changes.username!), user.userId),
      ...(user.username ? [claimDelete(usernameKey(user.username), user.userId)] : []),
      update,
    ],
    claimAt: 0,
  };
}

/**
 * An email-change token spent (one-time-tokens/): the account moves from
 * `user.email` (as read) to `newEmail`, now verified. Items: the user's update
 * (index 0: it must still hold the token, be enabled, have the email read and
 * the `sessionVersion` the token was issued under), the new claim (index 1:
 * it must not exist, `email_taken`), the old claim deleted (it must be this
 * user's). The token's own item is spent beside them (oneTimeTokenConsume).
 */
export function emailChangeItems(
  user: Pick<UserRecord, "userId" | "email">,
  token: { hash: string; sessionVersion: number },
  newEmail: string,
): TransactItem[] {
  const version = token.sessionVersion;
  return [
    userUpdate(user.userId, {
      // A pending reset or verification link went to the old address: it dies with the move.
      UpdateExpression: "SET email = :newEmail, emailVerified = :true REMOVE emailChangeTokenHash, resetTokenHash, verifyTokenHash",
      ConditionExpression: [
        "attribute_exists(pk) AND emailChangeTokenHash = :hash AND attribute_not_exists(disabled) AND email = :oldEmail",
        version === 0 ? "attribute_not_exists(sessionVersion)" : "sessionVersion = :version",
      ].join(" AND "),
      ExpressionAttributeValues: {
        ":newEmail": newEmail,
        ":true": true,
        ":hash": token.hash,
        ":oldEmail": user.email,
        ...(version !== 0 && { ":version": version }),
      },
    }),
    claimPut(emailKey(newEmail), user.userId),
    claimDelete(emailKey(user.email), user.userId),
  ];
}
