/**
 * Writes of several items that happen together or not at all. The stores
 * export transaction items (`userCreateItems`, `sessionPut`, `auditEventPut`, ...);
 * flows combine them here, so that a change never lands without the claims,
 * counters or audit event that belong to it.
 */
import { DeleteCommand, PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { setTimeout as sleep } from "node:timers/promises";
import { ServiceUnavailableError } from "./errors.js";
import { documentClient, guarded, isConditionFailed, isTransactionCanceled } from "./dynamodb.js";

export type TransactItem = NonNullable<TransactWriteCommand["input"]["TransactItems"]>[number];
export type Put = Required<Pick<TransactItem, "Put">>;
export type Update = Required<Pick<TransactItem, "Update">>;
export type Delete = Required<Pick<TransactItem, "Delete">>;
export type ConditionCheck = Required<Pick<TransactItem, "ConditionCheck">>;

const cancellationCodes = (error: unknown) =>
  ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((reason) => reason.Code);

/** Whether a cancelled transaction failed on some item's condition (any index). */
export function anyConditionFailed(error: unknown): boolean {
  return isTransactionCanceled(error) && cancellationCodes(error).includes("ConditionalCheckFailed");
}

/**
 * Concurrent transactions on one item are cancelled with TransactionConflict
 * rather than queued. Retrying with jitter lets the race settle so that the
 * losers see the winner's item and fail their condition instead.
 */
export async function transactWrite(items: TransactItem[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await guarded(() => documentClient.send(new TransactWriteCommand({ TransactItems: items })));
      return;
    } catch (error) {
      const codes = isTransactionCanceled(error) ? cancellationCodes(error) : [];
      if (!codes.includes("TransactionConflict") || codes.includes("ConditionalCheckFailed")) throw error;
      if (attempt >= 6) throw new ServiceUnavailableError();
      await sleep(10 + Math.random() * 40 * attempt);
    }
  }
}

/**
 * One put, update or delete; with `together` (an audit event, say), in one
 * transaction with them, so that the write never happens without them.
 */
export async function writeItem(write: Put | Update | Delete, ...together: TransactItem[]): Promise<void> {
  if (together.length > 0) return transactWrite([write, ...together]);
  if ("Put" in write) await guarded(() => documentClient.send(new PutCommand(write.Put)));
  else if ("Update" in write) await guarded(() => documentClient.send(new UpdateCommand(write.Update)));
  else await guarded(() => documentClient.send(new DeleteCommand(write.Delete)));
}

/**
 * One conditional put, update or delete (with `together`, in one transaction
 * with them): false, with nothing written, when a condition failed.
 */
export async function writeIfCondition(write: Put | Update | Delete, ...together: TransactItem[]): Promise<boolean> {
  try {
    await writeItem(write, ...together);
    return true;
  } catch (error) {
    if (isConditionFailed(error) || anyConditionFailed(error)) return false;
    throw error;
  }
}
