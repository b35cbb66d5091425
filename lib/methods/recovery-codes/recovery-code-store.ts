/**
 * The only writer of recovery codes, in the users table:
 *
 *   RECOVERY#<userId>   { codes: string set of hashes (recovery-codes.ts), createdAt }
 *
 * A code is spent by one conditional write that removes its hash from the
 * set, so of any number of parallel uses of one code exactly one succeeds.
 * When the last is spent the set is gone (DynamoDB keeps no empty set).
 */
import { config } from "../../platform/config.js";
import { getItem } from "../../platform/dynamodb.js";
import { writeIfCondition, type Delete, type Put } from "../../platform/transactions.js";

const users = config.usersTable;
const recoveryKey = (userId: string) => ({ pk: `RECOVERY#${userId}` });

/** The item that replaces the user's codes with `hashes` (the old ones stop working). */
export function recoveryCodesPut(userId: string, hashes: string[], now: number): Put {
  return { Put: { TableName: users, Item: { ...recoveryKey(userId), codes: new Set(hashes), createdAt: now } } };
}

export function recoveryCodesDelete(userId: string): Delete {
  return { Delete: { TableName: users, Key: recoveryKey(userId) } };
}

export async function remainingRecoveryCodes(userId: string): Promise<number> {
  const item = await getItem(users, recoveryKey(userId), ["codes"]);
  return item?.codes instanceof Set ? item.codes.size : 0;
}

/** Spends the code stored as `hash`: true when it was there (and is now gone), false when unknown or already spent. */
export function spendRecoveryCode(userId: string, hash: string): Promise<boolean> {
  return writeIfCondition({
    Update: {
      TableName: users,
      Key: recoveryKey(userId),
      UpdateExpression: "DELETE codes :spent",
      ConditionExpression: "contains(codes, :hash)",
      ExpressionAttributeValues: { ":spent": new Set([hash]), ":hash": hash },
    },
  });
}
