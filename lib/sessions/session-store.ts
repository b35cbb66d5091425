/**
 * The only writer of sessions and rotated refresh tokens, in the sessions
 * table (GSI byUser on userId):
 *
 *   SESSION#<sid>    one signed-in session (SessionRecord): how it was
 *                    established (`amr`), the SHA-256 of its live refresh token
 *                    and of its predecessor, the time of the last rotation
 *                    (expires, may be revoked)
 *   REFRESH#<hash>   a refresh token the session rotated away, kept to detect
 *                    its reuse (expires)
 *
 * Items with `expiresAt` (epoch seconds) are removed by DynamoDB TTL, but TTL
 * deletion is late (and never happens in DynamoDB Local), so readers always
 * compare `expiresAt` with the clock themselves. The authorizer reads session
 * items without the SDK (session-check.ts); session-item.ts is what both agree on.
 */
import { DeleteCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { auditEventPut, type AuditEvent } from "../audit/event-store.js";
import type { ClientInfo } from "../http/client-info.js";
import { config } from "../platform/config.js";
import { batchGet, conditionFailedAt, documentClient, getItem, guarded, isTransactionCanceled } from "../platform/dynamodb.js";
import { transactWrite, type Put, type TransactItem } from "../platform/transactions.js";
import { sessionPk, sidOfSessionPk } from "./session-item.js";

/**
 * How a session was established (RFC 8176 `amr` values): `pwd` after a
 * password, `otp` after a TOTP or recovery code, `hwk` after a passkey, and
 * `mfa` whenever two factors did (a user-verified passkey is two on its own);
 * `fed` after an outside identity provider (federation).
 */
export type AuthenticationMethod = "pwd" | "otp" | "hwk" | "mfa" | "fed";

export interface SessionRecord {
  sid: string;
  userId: string;
  /** Epoch ms of the signin: SESSION_MAX_AGE_SECONDS counts from here. */
  createdAt: number;
  /**
   * The user's sessionVersion when the session was created: it lives only
   * while the user's is the same (session-item.ts). Absent on sessions stored before versions.
   */
  sessionVersion?: number;
  /** Epoch ms of the signin or the last refresh. */
  lastUsedAt: number;
  /** The methods that established the session; its access tokens carry them. */
  amr: AuthenticationMethod[];
  /**
   * A session an OAuth client got through the authorization code flow
   * (oauth/): the client, the scope granted, its tokens' audience, when the
   * user authenticated (`auth_time`, epoch s) and the hosted page's session it
   * came from (`ssoSid`, ended with it at RP-initiated logout). Absent on
   * sessions of the JSON routes, whose tokens go to the first-party client.
   */
  clientId?: string;
  scope?: string;
  audience?: string;
  authTime?: number;
  ssoSid?: string;
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
export type SessionSummary = Omit<SessionRecord, "refreshTokenHash" | "previousRefreshTokenHash" | "rotatedAt" | "amr">;

export interface RotatedRefreshToken {
  sid: string;
  rotatedAt: number;
  expiresAt: number;
}

const sessions = config.sessionsTable;
const sessionKey = (sid: string) => ({ pk: sessionPk(sid) });
const refreshKey = (hash: string) => ({ pk: `REFRESH#${hash}` });

function withoutKey<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, ...rest } = item;
  return rest as T;
}

/** Sessions stored before `amr` existed were all opened by a password (their missing sessionVersion stays missing: session-item.ts). */
function toSessionRecord(item: Record<string, unknown> | undefined): SessionRecord | undefined {
  const session = withoutKey<SessionRecord>(item);
  return session && { ...session, amr: session.amr ?? ["pwd"] };
}

/** The item that stores a new session. */
export function sessionPut(session: SessionRecord): Put {
  return { Put: { TableName: sessions, Item: { ...sessionKey(session.sid), ...session }, ConditionExpression: "attribute_not_exists(pk)" } };
}

/**
 * The transaction's condition that a session is still open (not ended, not
 * expired): what a code exchange holds of the hosted page's session it came from.
 */
export function sessionOpenCheck(sid: string, now: number): TransactItem {
  return {
    ConditionCheck: {
      TableName: sessions,
      Key: sessionKey(sid),
      ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(revokedAt) AND expiresAt > :now",
      ExpressionAttributeValues: { ":now": Math.floor(now / 1000) },
    },
  };
}

/**
 * Stores a new session in one transaction with `conditions` (that its user is
 * still as the signin read it; that what the signin spends is still there)
 * and the audit event that records it. False, with nothing written, when a
 * condition failed.
 */
export async function putSession(session: SessionRecord, conditions: TransactItem[], event: AuditEvent): Promise<boolean> {
  try {
    await transactWrite([sessionPut(session), ...conditions, auditEventPut(event)]);
    return true;
  } catch (error) {
    if (isTransactionCanceled(error) && conditions.some((_, i) => conditionFailedAt(error, i + 1))) return false;
    throw error;
  }
}

export async function getSession(sid: string): Promise<SessionRecord | undefined> {
  return toSessionRecord(await getItem(sessions, sessionKey(sid)));
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

/**
 * Reads sessions by id (consistently), without their token hashes. Sessions
 * that no longer exist are left out; the order is not kept.
 */
export async function getSessions(sids: readonly string[]): Promise<SessionSummary[]> {
  const items = await batchGet(sessions, sids.map(sessionKey), ["pk", "userId", "createdAt", "sessionVersion", "lastUsedAt", "ipAddress", "userAgent", "expiresAt", "revokedAt"]);
  return items.map((item) => ({ ...withoutKey<SessionSummary>(item)!, sid: sidOfSessionPk(String(item.pk)) }));
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


/**
 * Deletes the session items of a deleted user (their IP and User-Agent go
 * with them). Already unusable before this runs: the authorizer and refresh
 * both require the user item, which the deletion removed.
 */
export async function deleteSessionsOf(userId: string): Promise<void> {
  const sids = await listSessionIds(userId);
  await Promise.all(sids.map((sid) => guarded(() => documentClient.send(new DeleteCommand({ TableName: sessions, Key: sessionKey(sid) })))));
}
