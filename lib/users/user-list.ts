/**
 * The admin's list of users: a Query on the sparse global secondary index
 * byCreatedAt of the users table (keys written by user-store.ts). Only USER#
 * items carry its key attributes, so a Query reads users and nothing else (no
 * claims, counters or tokens), and a page costs what the page holds, not what
 * the table holds. Its projection (INCLUDE) holds no hash; it lacks the User
 * fields added since (`passwordless`), and a projection cannot change in
 * place, so the list reads each page's users by id (user-store.ts getUsers).
 *
 * One constant partition is enough here: a GSI partition takes 1,000 writes a
 * second, and only signups (and backfills) write its keys; roles, disabled and
 * deletion rewrite a projected item, at admin speed. A stage that signs up more
 * than ~1,000 users a second would shard listPk ("USER#0".."USER#9") and merge.
 *
 * The index is eventually consistent: a user appears a moment after signup and
 * disappears a moment after deletion. Lookups by id or email stay on the table.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { config } from "../platform/config.js";
import { documentClient, guarded } from "../platform/dynamodb.js";
import { USER_LIST_INDEX, USER_LIST_PK } from "./user-store.js";

export type StartKey = Record<string, string>;

/** One page of users, newest first; one user past the page is read so that an exactly full last page ends the list. */
export async function queryUsers(limit: number, startKey?: StartKey): Promise<{ items: Record<string, unknown>[]; lastKey?: StartKey }> {
  const page = await guarded(() =>
    documentClient.send(
      new QueryCommand({
        TableName: config.usersTable,
        IndexName: USER_LIST_INDEX,
        KeyConditionExpression: "listPk = :listPk",
        ExpressionAttributeValues: { ":listPk": USER_LIST_PK },
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
