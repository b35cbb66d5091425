/**
 * The only writer of TOTP factors, in the users table:
 *
 *   TOTP#<userId>   { secret (encrypted: totp-secret.ts), createdAt, confirmedAt?, lastStep? }
 *
 * An item without `confirmedAt` is an enrollment waiting for its first code;
 * a new enrollment replaces it, never a confirmed one. `lastStep` is the
 * newest time step accepted: a code of that step or an older one is refused,
 * so each step works at most once per user, whoever races it.
 */
import { config } from "../../platform/config.js";
import { getItem } from "../../platform/dynamodb.js";
import { writeIfCondition, type Delete, type Update } from "../../platform/transactions.js";

export interface TotpRecord {
  /** Encrypted. */
  secret: string;
  /** Epoch ms. */
  createdAt: number;
  confirmedAt?: number;
  lastStep?: number;
}

const users = config.usersTable;
const totpKey = (userId: string) => ({ pk: `TOTP#${userId}` });

export async function getTotp(userId: string): Promise<TotpRecord | undefined> {
  const item = await getItem(users, totpKey(userId));
  if (!item) return undefined;
  const { pk: _pk, ...record } = item;
  return record as unknown as TotpRecord;
}

/** When the user's TOTP was confirmed; undefined when there is none (or only a pending one). Never reads the secret. */
export async function totpConfirmedAt(userId: string): Promise<number | undefined> {
  const item = await getItem(users, totpKey(userId), ["confirmedAt"]);
  return typeof item?.confirmedAt === "number" ? item.confirmedAt : undefined;
}

/** Stores a new enrollment (replacing a pending one). False when the user already has a confirmed TOTP. */
export function putPendingTotp(userId: string, secret: string, now: number): Promise<boolean> {
  return writeIfCondition({
    Put: { TableName: users, Item: { ...totpKey(userId), secret, createdAt: now }, ConditionExpression: "attribute_not_exists(confirmedAt)" },
  });
}

/** Confirms the enrollment that was read (same secret, still pending) with the step of its first code. */
export function totpConfirmUpdate(userId: string, secret: string, step: number, now: number): Update {
  return {
    Update: {
      TableName: users,
      Key: totpKey(userId),
      UpdateExpression: "SET confirmedAt = :now, lastStep = :step",
      ConditionExpression: "secret = :secret AND attribute_not_exists(confirmedAt)",
      ExpressionAttributeValues: { ":now": now, ":step": step, ":secret": secret },
    },
  };
}

/**
 * Spends time step `step` of the user's confirmed TOTP: true when it was
 * newer than every step accepted before (then it is the newest), false when
 * it was already used (a replay) or the factor is gone.
 */
export function spendTotpStep(userId: string, step: number): Promise<boolean> {
  return writeIfCondition({
    Update: {
      TableName: users,
      Key: totpKey(userId),
      UpdateExpression: "SET lastStep = :step",
      ConditionExpression: "attribute_exists(confirmedAt) AND (attribute_not_exists(lastStep) OR lastStep < :step)",
      ExpressionAttributeValues: { ":step": step },
    },
  });
}

/** The item that removes the user's TOTP (confirmed or pending). */
export function totpDelete(userId: string): Delete {
  return { Delete: { TableName: users, Key: totpKey(userId) } };
}
