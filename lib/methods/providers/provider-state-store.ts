/**
 * The only writer of sign-ins waiting at an outside provider, in the sessions table:
 *
 *   PROVIDERSTATE#<sha256(state)>   one trip to a provider (ProviderStateRecord): which
 *                                   provider, the PKCE verifier and nonce, and what
 *                                   it is for: our authorization request (sign-in)
 *                                   or a signed-in user's link; 10 minutes, spent once
 *
 * The state itself travels through the provider and back; only its hash is stored.
 */
import { createHash } from "node:crypto";
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { config } from "../../platform/config.js";
import { documentClient, guarded, isConditionFailed } from "../../platform/dynamodb.js";
import type { Put } from "../../platform/transactions.js";

export interface ProviderStateRecord {
  provider: string;
  nonce: string;
  codeVerifier: string;
  /** A sign-in: the authorization request (its id) the provider's answer completes. */
  requestId?: string;
  /** A link: the signed-in user (and session) the identity joins, and where the browser returns. */
  link?: { userId: string; sid: string; redirectUri: string };
  /** Epoch s. */
  expiresAt: number;
}

/** How long a trip to the provider may take (the contract: 10 minutes). */
export const PROVIDER_STATE_TTL_SECONDS = 10 * 60;

const stateKey = (state: string) => ({ pk: `PROVIDERSTATE#${createHash("sha256").update(state).digest("base64url")}` });

export function providerStatePut(state: string, record: ProviderStateRecord): Put {
  return { Put: { TableName: config.sessionsTable, Item: { ...stateKey(state), ...record }, ConditionExpression: "attribute_not_exists(pk)" } };
}

/**
 * Spends the state: deleted once, while unexpired, answering what it held.
 * Undefined for an unknown, expired or already spent state (a replayed
 * callback, or two racing with the same state: only one gets it).
 */
export async function consumeProviderState(state: string, now: number): Promise<ProviderStateRecord | undefined> {
  try {
    const { Attributes } = await guarded(() =>
      documentClient.send(
        new DeleteCommand({
          TableName: config.sessionsTable,
          Key: stateKey(state),
          ConditionExpression: "attribute_exists(pk) AND expiresAt > :now",
          ExpressionAttributeValues: { ":now": Math.floor(now / 1000) },
          ReturnValues: "ALL_OLD",
        }),
      ),
    );
    if (!Attributes) return undefined;
    const { pk: _pk, ...record } = Attributes;
    return record as ProviderStateRecord;
  } catch (error) {
    if (isConditionFailed(error)) return undefined;
    throw error;
  }
}
