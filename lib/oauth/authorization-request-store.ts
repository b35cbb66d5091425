/**
 * The only writer of authorization requests, in the sessions table:
 *
 *   AUTHREQ#<sha256(requestId)>   one /oauth2/authorize request waiting for the
 *                                 hosted page (AuthorizationRequestRecord): the
 *                                 client, redirect URI, scope, state, nonce, PKCE
 *                                 challenge, prompt and login hint; 10 minutes,
 *                                 finished once (a code issued or the user cancelled)
 *
 * The request id travels in the hosted page's URL; only its hash is stored.
 * Readers compare `expiresAt` with the clock (TTL deletes late).
 */
import { createHash } from "node:crypto";
import { config } from "../platform/config.js";
import { getItem } from "../platform/dynamodb.js";
import type { Put, Update } from "../platform/transactions.js";

export interface AuthorizationRequestRecord {
  clientId: string;
  redirectUri: string;
  /** Space-separated, as granted. */
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge: string;
  prompt?: "login";
  /** max_age (seconds): the user's signin must be at most this old when the request completes. */
  maxAge?: number;
  loginHint?: string;
  /** The outside provider the client sent the user to (`provider`), if any. */
  provider?: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch s. */
  expiresAt: number;
  finishedAt?: number;
}

const requestKey = (requestId: string) => ({ pk: `AUTHREQ#${createHash("sha256").update(requestId).digest("base64url")}` });

export function authorizationRequestPut(requestId: string, request: AuthorizationRequestRecord): Put {
  return { Put: { TableName: config.sessionsTable, Item: { ...requestKey(requestId), ...request }, ConditionExpression: "attribute_not_exists(pk)" } };
}

export async function getAuthorizationRequest(requestId: string): Promise<AuthorizationRequestRecord | undefined> {
  const item = await getItem(config.sessionsTable, requestKey(requestId));
  if (!item) return undefined;
  const { pk: _pk, ...request } = item;
  return request as unknown as AuthorizationRequestRecord;
}

/** Finishes the request once, while it has not expired: the condition makes a second completion (or a race) fail. */
export function authorizationRequestFinish(requestId: string, now: number): Update {
  return {
    Update: {
      TableName: config.sessionsTable,
      Key: requestKey(requestId),
      UpdateExpression: "SET finishedAt = :now",
      ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(finishedAt) AND expiresAt > :nowSeconds",
      ExpressionAttributeValues: { ":now": now, ":nowSeconds": Math.floor(now / 1000) },
    },
  };
}
