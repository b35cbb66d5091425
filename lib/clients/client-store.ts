/**
 * The only writer of OAuth clients, in the users table:
 *
 *   CLIENT#<clientId>   one registered client (ClientRecord): name, type,
 *                       redirect URIs, grants, audience, the SHA-256 of its
 *                       secret (confidential clients); listed through the
 *                       byCreatedAt index (listPk = "CLIENT", listSk = <createdAt>#<clientId>)
 *
 * The authorizer reads `CLIENT#<clientId>` (its `pk` only) without the SDK to
 * accept machine tokens while their client exists (sessions/session-check.ts).
 */
import { DeleteCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { config } from "../platform/config.js";
import { batchGet, documentClient, getItem, guarded, isConditionFailed } from "../platform/dynamodb.js";

export type ClientType = "public" | "confidential";
export type GrantType = "authorization_code" | "refresh_token" | "client_credentials";

export interface ClientRecord {
  clientId: string;
  name: string;
  type: ClientType;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: GrantType[];
  audience: string;
  /** SHA-256 (base64url) of the secret of a confidential client; the secret itself is never stored. */
  secretHash?: string;
  createdAt: string;
  updatedAt?: string;
}

const CLIENT_LIST_PK = "CLIENT";
const CLIENT_LIST_INDEX = "byCreatedAt";
export const clientPk = (clientId: string) => `CLIENT#${clientId}`;

/** What every reader of a client reads: never the hash of its secret. */
export const CLIENT_FIELDS = ["pk", "clientId", "name", "type", "redirectUris", "postLogoutRedirectUris", "grantTypes", "audience", "createdAt", "updatedAt"] as const;
/** And its secret's hash: what client authentication (token, revocation) and an update (which rewrites the item) read. */
export const CLIENT_AUTH_FIELDS = [...CLIENT_FIELDS, "secretHash"] as const;

function toRecord(item: Record<string, unknown> | undefined): ClientRecord | undefined {
  if (!item) return undefined;
  const { pk: _pk, listPk: _listPk, listSk: _listSk, ...rest } = item;
  return rest as unknown as ClientRecord;
}

/** The client, CLIENT_FIELDS only unless `fields` asks for its secret's hash too. */
export async function getClient(clientId: string, fields: readonly string[] = CLIENT_FIELDS): Promise<ClientRecord | undefined> {
  return toRecord(await getItem(config.usersTable, { pk: clientPk(clientId) }, fields));
}

/** Whether the client is registered, reading its key alone (IAM need allow no more: never its secret's hash). */
export async function clientExists(clientId: string): Promise<boolean> {
  return (await getItem(config.usersTable, { pk: clientPk(clientId) }, ["pk"])) !== undefined;
}

/**
 * Stores a client: a new one (false when the id is taken) or, with
 * `replace`, over the existing one (false when it no longer exists), so that
 * an update never resurrects a deleted client.
 */
export async function putClient(client: ClientRecord, mode: "create" | "replace"): Promise<boolean> {
  try {
    await guarded(() =>
      documentClient.send(
        new PutCommand({
          TableName: config.usersTable,
          Item: { pk: clientPk(client.clientId), listPk: CLIENT_LIST_PK, listSk: `${client.createdAt}#${client.clientId}`, ...client },
          ConditionExpression: mode === "create" ? "attribute_not_exists(pk)" : "attribute_exists(pk)",
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

/** False when there was no such client. */
export async function deleteClient(clientId: string): Promise<boolean> {
  try {
    await guarded(() =>
      documentClient.send(new DeleteCommand({ TableName: config.usersTable, Key: { pk: clientPk(clientId) }, ConditionExpression: "attribute_exists(pk)" })),
    );
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

/** Every client, newest first: an admin registers tens, not thousands, so one list without paging. */
export async function listClients(): Promise<ClientRecord[]> {
  const keys: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await guarded(() =>
      documentClient.send(
        new QueryCommand({
          TableName: config.usersTable,
          IndexName: CLIENT_LIST_INDEX,
          KeyConditionExpression: "listPk = :listPk",
          ExpressionAttributeValues: { ":listPk": CLIENT_LIST_PK },
          ScanIndexForward: false,
          ProjectionExpression: "pk",
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    keys.push(...(page.Items ?? []).map((item) => ({ pk: item.pk })));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  // The index is eventually consistent and projects few fields: read the clients themselves.
  const clients = (await batchGet(config.usersTable, keys, CLIENT_FIELDS)).map((item) => toRecord(item)!);
  return clients.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.clientId.localeCompare(b.clientId));
}
