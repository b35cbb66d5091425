/**
 * The only writer of authorization codes, in the sessions table:
 *
 *   AUTHCODE#<sha256(code)>   one code (AuthorizationCodeRecord): what it is
 *                             bound to (client, redirect URI, PKCE challenge,
 *                             nonce, scope, the user and the hosted page's
 *                             session), 60 seconds, spent once; after it is
 *                             spent, the session it opened (`issuedSid`)
 *
 * The code itself is handed out once and never stored. Readers compare
 * `expiresAt` with the clock (TTL deletes late). The user is stored as `sub`,
 * never `userId`: that attribute is the key of the table's byUser index,
 * which lists a user's sessions, and a code is none.
 */
import { createHash } from "node:crypto";
import { config } from "../platform/config.js";
import { getItem } from "../platform/dynamodb.js";
import type { Put, Update } from "../platform/transactions.js";

export interface AuthorizationCodeRecord {
  clientId: string;
  redirectUri: string;
  scope: string;
  nonce?: string;
  codeChallenge: string;
  userId: string;
  /**
   * The hosted page's session the user was signed in with: the code is good
   * only while it lives. None after an outside provider (no hosted session).
   */
  sid?: string;
  amr: string[];
  /**
   * The user's sessionVersion when an outside provider signed the user in (no
   * hosted session to check): a reset or "sign out everywhere" before the
   * exchange makes the code worthless.
   */
  sessionVersion?: number;
  /** When the user authenticated (the hosted session's signin), epoch s: the ID token's `auth_time`. */
  authTime: number;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch s. */
  expiresAt: number;
  usedAt?: number;
  issuedSid?: string;
}

const codeKey = (code: string) => ({ pk: `AUTHCODE#${createHash("sha256").update(code).digest("base64url")}` });

export function authorizationCodePut(code: string, record: AuthorizationCodeRecord): Put {
  const { userId, ...rest } = record;
  return { Put: { TableName: config.sessionsTable, Item: { ...codeKey(code), ...rest, sub: userId }, ConditionExpression: "attribute_not_exists(pk)" } };
}

export async function getAuthorizationCode(code: string): Promise<AuthorizationCodeRecord | undefined> {
  const item = await getItem(config.sessionsTable, codeKey(code));
  if (!item) return undefined;
  const { pk: _pk, sub, ...record } = item;
  return { ...record, userId: sub } as unknown as AuthorizationCodeRecord;
}

/** Spends the code for the session it opens: the condition lets exactly one exchange through. */
export function authorizationCodeSpend(code: string, issuedSid: string, now: number): Update {
  return {
    Update: {
      TableName: config.sessionsTable,
      Key: codeKey(code),
      UpdateExpression: "SET usedAt = :now, issuedSid = :sid",
      ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(usedAt) AND expiresAt > :nowSeconds",
      ExpressionAttributeValues: { ":now": now, ":sid": issuedSid, ":nowSeconds": Math.floor(now / 1000) },
    },
  };
}
