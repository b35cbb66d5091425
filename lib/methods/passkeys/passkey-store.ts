/**
 * The only writer of passkeys, in the users table:
 *
 *   PASSKEY#<credentialId>   { userId, publicKey (COSE, base64url), counter, transports?,
 *                              backedUp, deviceType, name, createdAt, lastUsedAt? }
 *
 * Keyed by the credential id, so one credential is registered once, whoever
 * registers it (409 already_registered). The user item lists its passkeys'
 * ids (users/credential-store.ts `passkeyAddedUpdate`), which is how a
 * user's passkeys are found; a sign-in finds the passkey by the id the
 * assertion names and checks that it is the user's.
 */
import { config } from "../../platform/config.js";
import { batchGet, getItem } from "../../platform/dynamodb.js";
import { writeIfCondition, type Delete, type Put, type Update } from "../../platform/transactions.js";

export interface PasskeyRecord {
  credentialId: string;
  userId: string;
  /** The credential's COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter as last seen (0 for synced passkeys, which keep none). */
  counter: number;
  transports?: string[];
  backedUp: boolean;
  deviceType: "singleDevice" | "multiDevice";
  name: string;
  /** Epoch ms. */
  createdAt: number;
  lastUsedAt?: number;
}

const users = config.usersTable;
const PREFIX = "PASSKEY#";
const passkeyKey = (credentialId: string) => ({ pk: `${PREFIX}${credentialId}` });

function toRecord(item: Record<string, unknown>): PasskeyRecord {
  const { pk, ...rest } = item;
  return { ...(rest as Omit<PasskeyRecord, "credentialId">), credentialId: String(pk).slice(PREFIX.length) };
}

export async function getPasskey(credentialId: string): Promise<PasskeyRecord | undefined> {
  const item = await getItem(users, passkeyKey(credentialId));
  return item && toRecord(item);
}

/** The passkeys of these ids (a user item's `passkeyIds`), oldest first. */
export async function getPasskeys(credentialIds: Iterable<string>): Promise<PasskeyRecord[]> {
  const keys = [...credentialIds].map(passkeyKey);
  if (keys.length === 0) return [];
  const attributes = ["pk", "userId", "publicKey", "counter", "transports", "backedUp", "deviceType", "name", "createdAt", "lastUsedAt"];
  return (await batchGet(users, keys, attributes)).map(toRecord).sort((a, b) => a.createdAt - b.createdAt);
}

/** The item that stores a new passkey: only if no one registered this credential yet. */
export function passkeyPut(passkey: PasskeyRecord): Put {
  const { credentialId, ...rest } = passkey;
  return { Put: { TableName: users, Item: { ...passkeyKey(credentialId), ...rest }, ConditionExpression: "attribute_not_exists(pk)" } };
}

/**
 * The item that records a use: the new counter and the time, only while the
 * counter is still the one the verification was made against (two uses of
 * one assertion cannot both pass) and the passkey still the user's.
 */
export function passkeyUsedUpdate(passkey: Pick<PasskeyRecord, "credentialId" | "userId" | "counter">, counter: number, backedUp: boolean, now: number): Update {
  return {
    Update: {
      TableName: users,
      Key: passkeyKey(passkey.credentialId),
      UpdateExpression: "SET #counter = :counter, lastUsedAt = :now, backedUp = :backedUp",
      ConditionExpression: "userId = :userId AND #counter = :seen",
      ExpressionAttributeNames: { "#counter": "counter" },
      ExpressionAttributeValues: { ":counter": counter, ":now": now, ":backedUp": backedUp, ":userId": passkey.userId, ":seen": passkey.counter },
    },
  };
}

/** Renames the user's passkey: false when there is no such passkey of this user. */
export function renamePasskey(credentialId: string, userId: string, name: string): Promise<boolean> {
  return writeIfCondition({
    Update: {
      TableName: users,
      Key: passkeyKey(credentialId),
      UpdateExpression: "SET #name = :name",
      ConditionExpression: "userId = :userId",
      ExpressionAttributeNames: { "#name": "name" },
      ExpressionAttributeValues: { ":name": name, ":userId": userId },
    },
  });
}

/** The item that removes the user's passkey (only the user's). */
export function passkeyDelete(credentialId: string, userId: string): Delete {
  return {
    Delete: { TableName: users, Key: passkeyKey(credentialId), ConditionExpression: "userId = :userId", ExpressionAttributeValues: { ":userId": userId } },
  };
}

/** The item that removes a passkey whoever holds it (with its account, or an admin's reset). */
export function passkeyDeleteAny(credentialId: string): Delete {
  return { Delete: { TableName: users, Key: passkeyKey(credentialId) } };
}
