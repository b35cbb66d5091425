/**
 * The only writer of failed-signin counters, in the users table:
 *
 *   SIGNIN#<key>   { failures, allowed, lockedUntil?, expiresAt }   (expires)
 *
 * `<key>` is the account (`user#<userId>`) or, when no account matches, the
 * identifier that was tried (lockout.ts). `failures` counts the attempts
 * reserved in the window, those still being checked included; `allowed` is
 * the count at which the next reservation is refused until a lock ends.
 * An item whose `expiresAt` has passed counts as absent, whatever TTL has
 * done with it.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { config } from "../../platform/config.js";
import { documentClient, getItem, guarded, isConditionFailed } from "../../platform/dynamodb.js";
import { writeIfCondition, type Delete, type TransactItem, type Update } from "../../platform/transactions.js";

export interface SigninFailures {
  failures: number;
  /** The count at which the next attempt is refused (absent on counters written before it existed). */
  allowed?: number;
  lockedUntil?: number;
}

/** A reservation's outcome: the attempt's number in the window, or the counter that refused it. */
export type Reservation = { reserved: true; attempt: number } | { reserved: false; lockedUntil?: number };

const users = config.usersTable;
const signinKey = (key: string) => ({ pk: `SIGNIN#${key}` });
const nowSeconds = (now: number) => Math.floor(now / 1000);

export async function getSigninFailures(key: string, now: number): Promise<SigninFailures | undefined> {
  const item = await getItem(users, signinKey(key));
  if (!item || Number(item.expiresAt) <= nowSeconds(now)) return undefined;
  return {
    failures: Number(item.failures),
    ...(item.allowed !== undefined && { allowed: Number(item.allowed) }),
    ...(item.lockedUntil !== undefined && { lockedUntil: Number(item.lockedUntil) }),
  };
}

/**
 * Reserves one attempt at a secret of `key` BEFORE it is checked: one
 * conditional write counts it, refused while locked or while `allowed`
 * attempts are already counted (finished or in flight). So however many
 * requests race, at most `allowed` secrets are checked before the lock.
 * `firstAllowed` is how many a fresh window allows.
 */
export async function reserveAttempt(key: string, now: number, windowSeconds: number, firstAllowed: number): Promise<Reservation> {
  const expiresAt = nowSeconds(now) + windowSeconds;
  // A few rounds: a fresh counter that another request created (or a success deleted) meanwhile is then counted on.
  for (let round = 0; round < 5; round++) {
    try {
      const { Attributes } = await guarded(() =>
        documentClient.send(
          new UpdateCommand({
            TableName: users,
            Key: signinKey(key),
            // No counter yet (the common case: a success deletes it) starts one in this same write.
            UpdateExpression: "SET failures = if_not_exists(failures, :zero) + :one, allowed = if_not_exists(allowed, :firstAllowed), expiresAt = :expiresAt",
            ConditionExpression:
              "attribute_not_exists(pk) OR (expiresAt > :nowSeconds AND (attribute_not_exists(lockedUntil) OR lockedUntil <= :now) AND " +
              // Counters written before `allowed` existed allowed the first lock's worth.
              "(failures < allowed OR (attribute_not_exists(allowed) AND failures < :firstAllowed)))",
            ExpressionAttributeValues: {
              ":zero": 0,
              ":one": 1,
              ":expiresAt": expiresAt,
              ":nowSeconds": nowSeconds(now),
              ":now": now,
              ":firstAllowed": firstAllowed,
            },
            ReturnValues: "UPDATED_NEW",
          }),
        ),
      );
      return { reserved: true, attempt: Number(Attributes?.failures) };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
    // Refused, or a counter whose window has passed: a consistent read tells which (a refusal's only extra cost).
    const live = await getSigninFailures(key, now);
    if (live) {
      const locked = live.lockedUntil !== undefined && live.lockedUntil > now;
      if (locked || live.failures >= (live.allowed ?? firstAllowed)) return { reserved: false, lockedUntil: live.lockedUntil };
      continue; // a success deleted the counter, or a window restarted, since our update looked: again
    }
    // The window has passed: start a new one, unless another request just did.
    const started = await writeIfCondition({
      Put: {
        TableName: users,
        Item: { ...signinKey(key), failures: 1, allowed: firstAllowed, expiresAt },
        ConditionExpression: "attribute_not_exists(pk) OR expiresAt <= :nowSeconds",
        ExpressionAttributeValues: { ":nowSeconds": nowSeconds(now) },
      },
    });
    if (started) return { reserved: true, attempt: 1 };
  }
  return { reserved: false };
}

/**
 * Locks `key` until `lockedUntil` after its `attempt`-th failure; one more
 * attempt is allowed once the lock ends. With `together` (the locked_out
 * event), in one transaction. Nothing happens when a success has cleared the
 * counter meanwhile.
 */
export async function lockSignin(key: string, attempt: number, lockedUntil: number, windowSeconds: number, ...together: TransactItem[]): Promise<void> {
  const update: Update = {
    Update: {
      TableName: users,
      Key: signinKey(key),
      UpdateExpression: "SET lockedUntil = :lockedUntil, allowed = :allowed, expiresAt = :expiresAt",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":lockedUntil": lockedUntil, ":allowed": attempt + 1, ":expiresAt": nowSeconds(lockedUntil) + windowSeconds },
    },
  };
  await writeIfCondition(update, ...together);
}

/** Takes back one reserved attempt that did not fail (its counter may be gone meanwhile: then nothing). */
export async function releaseReservation(key: string): Promise<void> {
  await writeIfCondition({
    Update: {
      TableName: users,
      Key: signinKey(key),
      UpdateExpression: "SET failures = failures - :one",
      ConditionExpression: "failures > :zero",
      ExpressionAttributeValues: { ":one": 1, ":zero": 0 },
    },
  });
}

/** The item that forgets `key`'s failures (after a success, a reset, or with the account). */
export function signinFailuresDelete(key: string): Delete {
  return { Delete: { TableName: users, Key: signinKey(key) } };
}

/**
 * After the success of attempt `number`: forgets every failure, unless
 * attempts were reserved after it (they are still being checked, and a
 * success must not make room for more of them than the lock allows): then
 * only this attempt is taken back.
 */
export async function clearSigninFailures(key: string, number: number): Promise<void> {
  const cleared = await writeIfCondition({
    Delete: { TableName: users, Key: signinKey(key), ConditionExpression: "failures <= :number", ExpressionAttributeValues: { ":number": number } },
  });
  if (!cleared) await releaseReservation(key);
}
