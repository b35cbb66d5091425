/** The DynamoDB client of every function but the authorizer, and how its faults read (503 or a bug). */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, type BatchGetCommandOutput, DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { setTimeout as sleep } from "node:timers/promises";
import { config } from "./config.js";
import { ServiceUnavailableError } from "./errors.js";
import { localEndpoint } from "./local-endpoint.js";

/**
 * One client per container, created at cold start. Short timeouts and few
 * retries: a request that cannot reach the table should fail fast with 503
 * rather than hang until API Gateway's 29 s limit.
 */
const dynamodb = new DynamoDBClient({
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 },
  // DynamoDB Local runs with -sharedDb: any credentials see the same tables.
  ...localEndpoint(config.dynamodbEndpoint),
});

export const documentClient = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});

const UNAVAILABLE_ERROR_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "LimitExceededException",
  "TimeoutError",
]);

/**
 * True for faults of the database or the network (throttling, 5xx, refused or
 * timed-out connections), which the API reports as 503. Errors that mean our
 * request was wrong (validation) are not: they are bugs and stay 500s.
 */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  const status = metadata?.httpStatusCode;
  if (UNAVAILABLE_ERROR_NAMES.has(error.name)) return true;
  if (status !== undefined) return status >= 500;
  // No HTTP status at all: the request never got an answer (ECONNREFUSED, socket hang up, DNS).
  return true;
}

/** Runs a store call, turning unavailability into ServiceUnavailableError. */
export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error)) throw new ServiceUnavailableError();
    throw error;
  }
}

/** Whether a TransactionCanceledException failed on item `index` because of its condition. */
export function conditionFailedAt(error: unknown, index: number): boolean {
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return reasons?.[index]?.Code === "ConditionalCheckFailed";
}

export function isTransactionCanceled(error: unknown): boolean {
  return error instanceof Error && error.name === "TransactionCanceledException";
}

export function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

/** `#a0, #a1, ...` for attribute names, so that reserved words (roles, name) need no thought. */
export function projection(attributes: readonly string[]): { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> } {
  const names = Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name]));
  return { ProjectionExpression: Object.keys(names).join(", "), ExpressionAttributeNames: names };
}

/**
 * One strongly consistent keyed read, of `attributes` only when given (IAM may
 * allow no more: `dynamodb:Attributes`); undefined when there is no such item.
 */
export async function getItem(
  table: string,
  key: Record<string, unknown>,
  attributes?: readonly string[],
): Promise<Record<string, unknown> | undefined> {
  const { Item } = await guarded(() =>
    documentClient.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true, ...(attributes && projection(attributes)) })),
  );
  return Item;
}

/** BatchGetItem's limit per call. */
const BATCH_GET_MAX_KEYS = 100;

/**
 * Reads many items of one table, `attributes` only, in calls of at most 100
 * keys, retrying the keys DynamoDB leaves unprocessed; strongly consistent
 * unless `consistent: false`. Items that do not exist are left out; the order is not kept.
 */
export async function batchGet(
  table: string,
  keys: readonly Record<string, unknown>[],
  attributes: readonly string[],
  options: { consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_MAX_KEYS) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(start, start + BATCH_GET_MAX_KEYS);
    for (let attempt = 1; pending && pending.length > 0; attempt++) {
      if (attempt > 1) {
        if (attempt > 6) throw new ServiceUnavailableError();
        await sleep(10 + Math.random() * 40 * attempt);
      }
      const request = { Keys: pending, ConsistentRead: options.consistent ?? true, ...projection(attributes) };
      const page: BatchGetCommandOutput = await guarded(() => documentClient.send(new BatchGetCommand({ RequestItems: { [table]: request } })));
      found.push(...(page.Responses?.[table] ?? []));
      pending = page.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return found;
}
