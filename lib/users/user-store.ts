/**
 * Every DynamoDB call of the API, behind plain functions. Two tables:
 *
 * users table (pk):
 *   USER#<userId>        the user, with its password hash
 *   EMAIL#<email>        uniqueness claim on the normalized email -> userId
 *   USERNAME#<lower>     uniqueness claim on the lower-cased username -> userId
 *   SIGNIN#<key>         failed-signin counter of one account (expires)
 *   (USER# items also carry the keys of the sparse GSI byCreatedAt: see user-list-store.ts)
 *   (TOKEN#<hash> one-time tokens: one-time-token-store.ts; MAILLIMIT#...: email-limit-store.ts)
 * sessions table (pk, GSI byUser on userId):
 *   SESSION#<sid>        one signed-in session with the SHA-256 of its live refresh token and of its
 *                        predecessor, the time of the last rotation (expires, may be revoked)
 *   REFRESH#<hash>       a refresh token the session rotated away, kept to detect its reuse (expires)
 *
 * Items with `expiresAt` (epoch seconds) are removed by DynamoDB TTL, but TTL
 * deletion is late (and never happens in DynamoDB Local), so readers here
 * always compare `expiresAt` with the clock themselves.
 */
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { setTimeout as sleep } from "node:timers/promises";
import { config } from "../platform/config.js";
import type { ClientInfo } from "../http/client-info.js";
import { ConflictError, ServiceUnavailableError } from "../http/errors.js";
import { auditEventPut, type AuditEvent } from "../audit/event-store.js";
import { userListKeys } from "./user-list.js";
import { sessionPk, sidOfSessionPk } from "../sessions/session-item.js";
import {
  conditionFailedAt,
  documentClient,
  guarded,
  isConditionFailed,
  isTransactionCanceled,
} from "../platform/dynamodb.js";

export interface UserRecord {
  userId: string;
  email: string;
  username?: string;
  name?: string;
  roles: string[];
  passwordHash: string;
  createdAt: string;
  /** Epoch ms: sessions created before this were ended by a password change or "sign out everywhere". */
  sessionsRevokedAt?: number;
  /** Set (true) only while an admin has disabled the account; absent otherwise. */
  disabled?: boolean;
  emailVerified?: boolean;
  /** SHA-256 of the live reset / verification token (one-time-token-store.ts); absent when none. */
  resetTokenHash?: string;
  verifyTokenHash?: string;
}

export interface SessionRecord {
  sid: string;
  userId: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms of the signin or the last refresh. */
  lastUsedAt: number;
  /** The device that signed in, as API Gateway reported it (User-Agent capped). */
  ipAddress?: string;
  userAgent?: string;
  expiresAt: number;
  refreshTokenHash: string;
  /** The token rotated away last (refresh-rotation.ts: it may repeat within the grace window). */
  previousRefreshTokenHash?: string;
  /** Epoch ms of the last rotation. */
  rotatedAt?: number;
  revokedAt?: number;
}

/** What the device list reads of a session: never its token hashes. */
export type SessionSummary = Omit<SessionRecord, "refreshTokenHash" | "previousRefreshTokenHash" | "rotatedAt">;

export interface RotatedRefreshToken {
  sid: string;
  rotatedAt: number;
  expiresAt: number;
}

export interface SigninFailures {
  failures: number;
  lockedUntil?: number;
}

const users = config.usersTable;
const sessions = config.sessionsTable;
const nowSeconds = (now: number) => Math.floor(now / 1000);

export const userKey = (userId: string) => ({ pk: `USER#${userId}` });
export const emailKey = (email: string) => ({ pk: `EMAIL#${email}` });
export const usernameKey = (username: string) => ({ pk: `USERNAME#${username.toLowerCase()}` });
export const signinKey = (key: string) => ({ pk: `SIGNIN#${key}` });
export const sessionKey = (sid: string) => ({ pk: sessionPk(sid) });
const refreshKey = (hash: string) => ({ pk: `REFRESH#${hash}` });

export function withoutKey<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, listPk: _listPk, listSk: _listSk, ...rest } = item;
  return rest as T;
}

/** One strongly consistent keyed read. */
async function getItem(table: string, key: { pk: string }): Promise<Record<string, unknown> | undefined> {
  const { Item } = await guarded(() =>
    documentClient.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true })),
  );
  return Item;
}

/**
 * Concurrent transactions on one item are cancelled with TransactionConflict
 * rather than queued. Retrying with jitter lets the race settle so that the
 * losers see the winner's item and fail their condition instead.
 */
export async function transactWrite(items: NonNullable<TransactWriteCommand["input"]["TransactItems"]>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await guarded(() => documentClient.send(new TransactWriteCommand({ TransactItems: items })));
      return;
    } catch (error) {
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
      const conflicted = isTransactionCanceled(error) && reasons.some((reason) => reason.Code === "TransactionConflict");
      const conditionFailed = reasons.some((reason) => reason.Code === "ConditionalCheckFailed");
      if (!conflicted || conditionFailed) throw error;
      if (attempt >= 6) throw new ServiceUnavailableError();
      await sleep(10 + Math.random() * 40 * attempt);
    }
  }
}

// ---- sessions -------------------------------------------------------------

function sessionPut(session: SessionRecord) {
  return {
    Put: {
      TableName: sessions,
      Item: { ...sessionKey(session.sid), ...session },
      ConditionExpression: "attribute_not_exists(pk)",
    },
  };
}

type TransactItem = Parameters<typeof transactWrite>[0][number];

/**
 * One put or update; with `event`, in one transaction with the audit event
 * that records it, so that the change never happens without its event.
 */
async function writeRecorded(write: Required<Pick<TransactItem, "Put">> | Required<Pick<TransactItem, "Update">>, event?: AuditEvent): Promise<void> {
  if (event) return transactWrite([write, auditEventPut(event)]);
  if ("Put" in write) await guarded(() => documentClient.send(new PutCommand(write.Put)));
  else await guarded(() => documentClient.send(new UpdateCommand(write.Update)));
}

/** Stores a new session; with `event`, in one transaction with the audit event that records it. */
export async function putSession(session: SessionRecord, event?: AuditEvent): Promise<void> {
  await writeRecorded(sessionPut(session), event);
}

export async function getSession(sid: string): Promise<SessionRecord | undefined> {
  return withoutKey<SessionRecord>(await getItem(sessions, sessionKey(sid)));
}

export async function getRotatedRefreshToken(hash: string): Promise<RotatedRefreshToken | undefined> {
  return withoutKey<RotatedRefreshToken>(await getItem(sessions, refreshKey(hash)));
}

/**
 * Replaces the session's refresh token in one transaction: the session moves
 * on only if it is live and still holds the old token; the old token becomes
 * the predecessor (with the rotation time, for the grace window) and is also
 * kept as rotated so that presenting it again later can be recognised. The
 * session records its use (time, and the device as it is now).
 * Returns false when another rotation won (or the session ended) meanwhile.
 */
export async function rotateRefreshToken(
  session: SessionRecord,
  next: { refreshTokenHash: string; expiresAt: number },
  now: number,
  client: ClientInfo = {},
): Promise<boolean> {
  // A request without an IP or User-Agent keeps the ones the session has.
  const seen = Object.entries(client).filter(([, value]) => value !== undefined) as [keyof ClientInfo, string][];
  try {
    await transactWrite([
      {
        Update: {
          TableName: sessions,
          Key: sessionKey(session.sid),
          UpdateExpression: [
            "SET refreshTokenHash = :next, previousRefreshTokenHash = :current, rotatedAt = :now, lastUsedAt = :now, expiresAt = :expiresAt",
            ...seen.map(([name]) => `${name} = :${name}`),
          ].join(", "),
          ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(revokedAt) AND refreshTokenHash = :current",
          ExpressionAttributeValues: {
            ":next": next.refreshTokenHash,
            ":expiresAt": next.expiresAt,
            ":current": session.refreshTokenHash,
            ":now": now,
            ...Object.fromEntries(seen.map(([name, value]) => [`:${name}`, value])),
          },
        },
      },
      {
        Put: {
          TableName: sessions,
          Item: { ...refreshKey(session.refreshTokenHash), sid: session.sid, rotatedAt: now, expiresAt: session.expiresAt },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
    ]);
    return true;
  } catch (error) {
    if (isTransactionCanceled(error) && (conditionFailedAt(error, 0) || conditionFailedAt(error, 1))) return false;
    throw error;
  }
}

/**
 * Ends a session that is open (exists, not yet ended; of `userId` when given)
 * and records `event` in the same transaction. False when there was no such
 * session, in which case nothing was written.
 */
export async function endSessionRecorded(sid: string, now: number, event: AuditEvent, userId?: string): Promise<boolean> {
  try {
    await transactWrite([
      {
        Update: {
          TableName: sessions,
          Key: sessionKey(sid),
          UpdateExpression: "SET revokedAt = :now",
          ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(revokedAt)${userId === undefined ? "" : " AND userId = :userId"}`,
          ExpressionAttributeValues: { ":now": now, ...(userId !== undefined && { ":userId": userId }) },
        },
      },
      auditEventPut(event),
    ]);
    return true;
  } catch (error) {
    if (isTransactionCanceled(error) && conditionFailedAt(error, 0)) return false;
    throw error;
  }
}

/** BatchGetItem's limit per call. */
const BATCH_GET_MAX_KEYS = 100;

/**
 * Reads sessions by id (consistently), without their token hashes, in calls
 * of at most 100 keys, retrying the keys DynamoDB leaves unprocessed.
 * Sessions that no longer exist are left out; the order is not kept.
 */
export async function getSessions(sids: readonly string[]): Promise<SessionSummary[]> {
  const found: SessionSummary[] = [];
  for (let start = 0; start < sids.length; start += BATCH_GET_MAX_KEYS) {
    let keys: Record<string, unknown>[] | undefined = sids.slice(start, start + BATCH_GET_MAX_KEYS).map(sessionKey);
    for (let attempt = 1; keys && keys.length > 0; attempt++) {
      if (attempt > 1) {
        if (attempt > 6) throw new ServiceUnavailableError();
        await sleep(10 + Math.random() * 40 * attempt);
      }
      const request = {
        Keys: keys,
        ConsistentRead: true,
        ProjectionExpression: "pk, userId, createdAt, lastUsedAt, ipAddress, userAgent, expiresAt, revokedAt",
      };
      const page: BatchGetCommandOutput = await guarded(() => documentClient.send(new BatchGetCommand({ RequestItems: { [sessions]: request } })));
      for (const item of page.Responses?.[sessions] ?? []) {
        found.push({ ...withoutKey<SessionSummary>(item)!, sid: sidOfSessionPk(String(item.pk)) });
      }
      keys = page.UnprocessedKeys?.[sessions]?.Keys;
    }
  }
  return found;
}

export async function listSessionIds(userId: string): Promise<string[]> {
  const sids: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await guarded(() =>
      documentClient.send(
        new QueryCommand({
          TableName: sessions,
          IndexName: "byUser",
          KeyConditionExpression: "userId = :userId",
          ExpressionAttributeValues: { ":userId": userId },
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    for (const item of page.Items ?? []) sids.push(sidOfSessionPk(String(item.pk)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return sids;
}

// ---- users ----------------------------------------------------------------

/**
 * Creates the user, its uniqueness claims and its first session in one
 * transaction: either all exist afterwards or none does. Without a session
 * when signup opens none (REQUIRE_VERIFIED_EMAIL).
 */
export async function createUserWithSession(user: UserRecord, session: SessionRecord | undefined, event?: AuditEvent): Promise<void> {
  const claims = [
    { ...emailKey(user.email), userId: user.userId },
    ...(user.username ? [{ ...usernameKey(user.username), userId: user.userId }] : []),
  ];
  try {
    await transactWrite([
      ...claims.map((Item) => ({ Put: { TableName: users, Item, ConditionExpression: "attribute_not_exists(pk)" } })),
      {
        Put: {
          TableName: users,
          Item: { ...userKey(user.userId), ...user, ...userListKeys(user) },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      ...(session ? [sessionPut(session)] : []),
      ...(event ? [auditEventPut(event)] : []),
    ]);
  } catch (error) {
    if (isTransactionCanceled(error)) {
      if (conditionFailedAt(error, 0)) throw new ConflictError("Email is already registered");
      if (user.username && conditionFailedAt(error, 1)) throw new ConflictError("Username is already taken");
    }
    throw error;
  }
}

export async function getUser(userId: string): Promise<UserRecord | undefined> {
  return withoutKey<UserRecord>(await getItem(users, userKey(userId)));
}

async function userIdByClaim(key: { pk: string }): Promise<string | undefined> {
  const claim = await getItem(users, key);
  return typeof claim?.userId === "string" ? claim.userId : undefined;
}

export const findUserIdByEmail = (email: string) => userIdByClaim(emailKey(email));
export const findUserIdByUsername = (username: string) => userIdByClaim(usernameKey(username));

export async function findUserByEmail(email: string): Promise<UserRecord | undefined> {
  const userId = await findUserIdByEmail(email);
  return userId === undefined ? undefined : getUser(userId);
}

/**
 * Stores a new password hash and marks every earlier session as ended (with
 * `event`, in one transaction with it); a pending reset token dies with the old password.
 */
export async function setPasswordHash(userId: string, passwordHash: string, now: number, event?: AuditEvent): Promise<void> {
  const update = {
    TableName: users,
    Key: userKey(userId),
    UpdateExpression: "SET passwordHash = :hash, sessionsRevokedAt = :now REMOVE resetTokenHash",
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeValues: { ":hash": passwordHash, ":now": now },
  };
  await writeRecorded({ Update: update }, event);
}

/** Marks every session created until `now` as ended; with `event`, recorded in the same transaction. */
export async function markSessionsRevoked(userId: string, now: number, event?: AuditEvent): Promise<void> {
  const update = {
    TableName: users,
    Key: userKey(userId),
    UpdateExpression: "SET sessionsRevokedAt = :now",
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeValues: { ":now": now },
  };
  await writeRecorded({ Update: update }, event);
}

// ---- failed signins -------------------------------------------------------

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
    await guarded(() =>
      documentClient.send(new PutCommand({ TableName: users, Item: { ...signinKey(key), failures: 1, expiresAt } })),
    );
    return 1;
  }
}

/** Locks signin of `key` until `lockedUntil`; with `event` (locked_out), in one transaction with it. */
export async function lockSignin(key: string, lockedUntil: number, windowSeconds: number, event?: AuditEvent): Promise<void> {
  const update = {
    TableName: users,
    Key: signinKey(key),
    UpdateExpression: "SET lockedUntil = :lockedUntil, expiresAt = :expiresAt",
    ExpressionAttributeValues: {
      ":lockedUntil": lockedUntil,
      ":expiresAt": nowSeconds(lockedUntil) + windowSeconds,
    },
  };
  await writeRecorded({ Update: update }, event);
}

export async function clearSigninFailures(key: string): Promise<void> {
  await guarded(() => documentClient.send(new DeleteCommand({ TableName: users, Key: signinKey(key) })));
}
