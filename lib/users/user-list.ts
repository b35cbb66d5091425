/**
 * The admin's list of users: a sparse global secondary index on the users
 * table. Only USER# items carry its key attributes, so a Query on it reads
 * users and nothing else (no claims, counters or tokens), and a page costs
 * what the page holds, not what the table holds:
 *
 *   GSI byCreatedAt: listPk = "USER" (constant), listSk = <createdAt ISO>#<userId>
 *   projection INCLUDE: the User fields only, never passwordHash or token hashes
 *
 * One constant partition is enough here: a GSI partition takes 1,000 writes a
 * second, and only signups (and backfills) write its keys; roles, disabled and
 * deletion rewrite a projected item, at admin speed. A stage that signs up more
 * than ~1,000 users a second would shard listPk ("USER#0".."USER#9") and merge.
 *
 * The index is eventually consistent: a user appears a moment after signup and
 * disappears a moment after deletion. Lookups by id or email stay on the table.
 */
import { QueryCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { config } from "../platform/config.js";
import { documentClient, guarded, isConditionFailed } from "../platform/dynamodb.js";
import type { UserRecord } from "./user-store.js";

export const USER_LIST_INDEX = "byCreatedAt";
const LIST_PK = "USER";

export type StartKey = Record<string, string>;

/** The GSI attributes a user item carries (written at signup, or by the backfill for older items). */
export function userListKeys(user: Pick<UserRecord, "userId" | "createdAt">): { listPk: string; listSk: string } {
  return { listPk: LIST_PK, listSk: `${user.createdAt}#${user.userId}` };
}

/** One page of users, newest first; one user past the page is read so that an exactly full last page ends the list. */
export async function queryUsers(limit: number, startKey?: StartKey): Promise<{ items: Record<string, unknown>[]; lastKey?: StartKey }> {
  const page = await guarded(() =>
    documentClient.send(
      new QueryCommand({
        TableName: config.usersTable,
        IndexName: USER_LIST_INDEX,
        KeyConditionExpression: "listPk = :listPk",
        ExpressionAttributeValues: { ":listPk": LIST_PK },
        ScanIndexForward: false,
        Limit: limit + 1,
        ExclusiveStartKey: startKey,
      }),
    ),
  );
  const items = page.Items ?? [];
  if (items.length <= limit) return { items, lastKey: page.LastEvaluatedKey as StartKey | undefined };
  const shown = items.slice(0, limit);
  const last = shown.at(-1)!;
  // A GSI's start key is the table's key and the index's.
  return { items: shown, lastKey: { pk: String(last.pk), listPk: String(last.listPk), listSk: String(last.listSk) } };
}

/**
 * The upgrade step for tables written before the index existed: gives every
 * USER# item that lacks them its listing keys. Idempotent and safe while the
 * API runs (the condition skips items written meanwhile or deleted). It scans
 * once, keys and two attributes only. Returns how many items it updated.
 */
export async function backfillUserListKeys(): Promise<number> {
  let updated = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await guarded(() =>
      documentClient.send(
        new ScanCommand({
          TableName: config.usersTable,
          FilterExpression: "begins_with(pk, :user) AND attribute_not_exists(listPk)",
          ProjectionExpression: "pk, userId, createdAt",
          ExpressionAttributeValues: { ":user": "USER#" },
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    for (const item of page.Items ?? []) {
      const keys = userListKeys({ userId: String(item.userId), createdAt: String(item.createdAt) });
      try {
        await guarded(() =>
          documentClient.send(
            new UpdateCommand({
              TableName: config.usersTable,
              Key: { pk: item.pk },
              UpdateExpression: "SET listPk = :listPk, listSk = :listSk",
              ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(listPk)",
              ExpressionAttributeValues: { ":listPk": keys.listPk, ":listSk": keys.listSk },
            }),
          ),
        );
        updated++;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return updated;
}
