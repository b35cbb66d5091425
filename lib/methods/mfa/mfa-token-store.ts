/**
 * The only writer of pending second steps, in the users table:
 *
 *   MFATOKEN#<hash>   { userId, sessionVersion, amr, method, failures, expiresAt }   (expires)
 *
 * What the first factor established travels here, not in the token: the
 * session the second step opens gets the first factor's `amr`, and the
 * user's sessionVersion as the first factor read it (sessions/sessions.ts
 * refuses the session when it has changed since). An item past `expiresAt`
 * or with MAX_WRONG_CODES failures counts as absent.
 */
import { config } from "../../platform/config.js";
import { getItem } from "../../platform/dynamodb.js";
import { writeIfCondition, writeItem, type Delete } from "../../platform/transactions.js";
import type { Authentication } from "../../sessions/sessions.js";
import { MAX_WRONG_CODES, MFA_TOKEN_TTL_SECONDS } from "./mfa-tokens.js";

export interface PendingSecondStep {
  userId: string;
  sessionVersion: number;
  amr: Authentication["amr"];
  method: Authentication["method"];
  failures: number;
  /** Epoch seconds. */
  expiresAt: number;
}

const users = config.usersTable;
const mfaTokenKey = (hash: string) => ({ pk: `MFATOKEN#${hash}` });
const nowSeconds = (now: number) => Math.floor(now / 1000);

export async function putPendingSecondStep(hash: string, step: Omit<PendingSecondStep, "failures" | "expiresAt">, now: number): Promise<void> {
  await writeItem({
    Put: {
      TableName: users,
      Item: { ...mfaTokenKey(hash), ...step, failures: 0, expiresAt: nowSeconds(now) + MFA_TOKEN_TTL_SECONDS },
      ConditionExpression: "attribute_not_exists(pk)",
    },
  });
}

/** The pending step of a token hash, when it is still usable. */
export async function getPendingSecondStep(hash: string, now: number): Promise<PendingSecondStep | undefined> {
  const item = await getItem(users, mfaTokenKey(hash));
  if (!item || Number(item.expiresAt) <= nowSeconds(now) || Number(item.failures) >= MAX_WRONG_CODES) return undefined;
  const { pk: _pk, ...step } = item;
  return step as unknown as PendingSecondStep;
}

/** The item that spends the token with the session it opens: only while it is unused, unexpired and under the wrong-code limit. */
export function pendingSecondStepConsume(hash: string, now: number): Delete {
  return {
    Delete: {
      TableName: users,
      Key: mfaTokenKey(hash),
      ConditionExpression: "attribute_exists(pk) AND expiresAt > :now AND failures < :max",
      ExpressionAttributeValues: { ":now": nowSeconds(now), ":max": MAX_WRONG_CODES },
    },
  };
}

/** Counts a wrong code against the token; at MAX_WRONG_CODES it is dead (getPendingSecondStep, pendingSecondStepConsume). */
export async function addSecondStepFailure(hash: string): Promise<void> {
  // Spent or gone meanwhile: nothing to count on.
  await writeIfCondition({
    Update: {
      TableName: users,
      Key: mfaTokenKey(hash),
      UpdateExpression: "ADD failures :one",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":one": 1 },
    },
  });
}
