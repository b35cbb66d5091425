/**
 * The only writer of failed-signin counters, in the users table:
 *
 *   SIGNIN#<key>   { failures, lockedUntil?, expiresAt }   (expires)
 *
 * `<key>` is the account (`user#<userId>`) or, when no account matches, the
 * identifier that was tried (lockout.ts). An item whose `expiresAt` has passed
 * counts as absent, whatever TTL has done with it.
 */
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { config } from "../../platform/config.js";
import { documentClient, getItem, guarded, isConditionFailed } from "../../platform/dynamodb.js";
import { writeItem, type Delete, type TransactItem, type Update } from "../../platform/transactions.js";

export interface SigninFailures {
  failures: number;
  lockedUntil?: number;
}

const users = config.usersTable;
const signinKey = (key: string) => ({ pk: `SIGNIN#${key}` });
const nowSeconds = (now: number) => Math.floor(now / 1000);

export async function getSigninFailures(key: string, now: number): Promise<SigninFailures | undefined> {
  const item = await getItem(users, signinKey(key));
  if (!item || Number(item.expiresAt) <= nowSeconds(now)) return undefined;
  return { failures: Number(item.failures), lockedUntil: item.lockedUntil as number | undefined };
}

/**
 * Counts one more failure atomically and returns the new count. A counter
 * whose window has passed starts again from one.
 */
export async function addSigninFailure(key: string, now: number, windowSeconds: number): Promise<number> {
  const expiresAt = nowSeconds(now) + windowSeconds;
  try {
    const { Attributes } = await guarded(() =>
      documentClient.send(
        new UpdateCommand({
          TableName: users,
          Key: signinKey(key),
          UpdateExpression: "SET failures = if_not_exists(failures, :zero) + :one, expiresAt = :expiresAt",
          ConditionExpression: "attribute_not_exists(pk) OR expiresAt > :now",
          ExpressionAttributeValues: { ":zero": 0, ":one": 1, ":expiresAt": expiresAt, ":now": nowSeconds(now) },
          ReturnValues: "ALL_NEW",
        }),
      ),
    );
    return Number(Attributes?.failures);
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    await guarded(() => documentClient.send(new PutCommand({ TableName: users, Item: { ...signinKey(key), failures: 1, expiresAt } })));
    return 1;
  }
}

/** Locks signin of `key` until `lockedUntil`; with `together` (the locked_out event), in one transaction. */
export async function lockSignin(key: string, lockedUntil: number, windowSeconds: number, ...together: TransactItem[]): Promise<void> {
  const update: Update = {
    Update: {
      TableName: users,
      Key: signinKey(key),
      UpdateExpression: "SET lockedUntil = :lockedUntil, expiresAt = :expiresAt",
      ExpressionAttributeValues: { ":lockedUntil": lockedUntil, ":expiresAt": nowSeconds(lockedUntil) + windowSeconds },
    },
  };
  await writeItem(update, ...together);
}

/** The item that forgets `key`'s failures (after a success, a reset, or with the account). */
export function signinFailuresDelete(key: string): Delete {
  return { Delete: { TableName: users, Key: signinKey(key) } };
}

export async function clearSigninFailures(key: string): Promise<void> {
  await writeItem(signinFailuresDelete(key));
}
