/**
 * The rules of OAuth client registration: what an admin (or `npm run
 * create-client`) may register, what a client looks like in a response
 * (never its secret's hash), secret rotation, and client authentication at
 * the token and revocation endpoints.
 */
import { randomBytes } from "node:crypto";
import { config } from "../platform/config.js";
import { HttpError, NotFoundError } from "../platform/errors.js";
import { logger } from "../platform/logger.js";
import { CLIENT_AUTH_FIELDS, deleteClient, getClient, listClients, putClient, type ClientRecord } from "./client-store.js";
import { hashClientSecret, newClientSecret, secretMatches } from "./client-secrets.js";
import type { ClientRegistration, ClientUpdate } from "./input.js";

/** A client as the admin routes answer it. */
export type Client = Omit<ClientRecord, "secretHash" | "updatedAt">;

export const toClient = ({ secretHash: _secretHash, updatedAt: _updatedAt, ...client }: ClientRecord): Client => client;

/** The answer of a registration or rotation: the secret appears here once and is never stored. */
export interface RegisteredClient {
  client: Client;
  clientSecret?: string;
}

/** 128 random bits in hex: unguessable, so that a client id alone names nothing an attacker can find, and safe in any URL or header. */
const newClientId = () => randomBytes(16).toString("hex");

export async function registerClient(registration: ClientRegistration, clientId = newClientId(), now = Date.now()): Promise<RegisteredClient> {
  // The JSON routes' tokens carry this id: a registered client of that name could pass for them.
  if (clientId === config.firstPartyClientId) throw new HttpError(409, "client_taken", "This client id is reserved for the API's own tokens");
  const clientSecret = registration.type === "confidential" ? newClientSecret() : undefined;
  const record: ClientRecord = {
    clientId,
    name: registration.name,
    type: registration.type,
    redirectUris: registration.redirectUris,
    postLogoutRedirectUris: registration.postLogoutRedirectUris,
    grantTypes: registration.grantTypes,
    audience: registration.audience ?? config.audience,
    ...(clientSecret && { secretHash: hashClientSecret(clientSecret) }),
    createdAt: new Date(now).toISOString(),
  };
  if (!(await putClient(record, "create"))) throw new HttpError(409, "client_taken", "A client with this id exists");
  logger.info({ clientId, type: record.type }, "client registered");
  return { client: toClient(record), ...(clientSecret && { clientSecret }) };
}

/**
 * The client with this id registered as `registration` says: created, or its
 * settings set again (its id, creation time and secret kept). How `npm start`
 * keeps the example web app registered as the public client `web` at the
 * current APP_URL.
 */
export async function ensureClient(clientId: string, registration: ClientRegistration, now = Date.now()): Promise<Client> {
  const current = await getClient(clientId, CLIENT_AUTH_FIELDS);
  if (!current) return (await registerClient(registration, clientId, now)).client;
  const next: ClientRecord = { ...current, ...registration, audience: registration.audience ?? current.audience, updatedAt: new Date(now).toISOString() };
  if (!(await putClient(next, "replace"))) throw new NotFoundError("Client not found");
  return toClient(next);
}

export async function findClient(clientId: string): Promise<Client> {
  const record = await getClient(clientId);
  if (!record) throw new NotFoundError("Client not found");
  return toClient(record);
}

export const allClients = async (): Promise<Client[]> => (await listClients()).map(toClient);

/** `parse` reads the update for the client's type (which never changes: a public client has no secret to rotate). */
export async function updateClient(clientId: string, parse: (type: ClientRecord["type"]) => ClientUpdate, now = Date.now()): Promise<RegisteredClient> {
  const current = await getClient(clientId, CLIENT_AUTH_FIELDS);
  if (!current) throw new NotFoundError("Client not found");
  const { rotateSecret, ...settings } = parse(current.type);
  const clientSecret = rotateSecret ? newClientSecret() : undefined;
  const next: ClientRecord = {
    ...current,
    ...settings,
    ...(clientSecret && { secretHash: hashClientSecret(clientSecret) }),
    updatedAt: new Date(now).toISOString(),
  };
  if (next.grantTypes.includes("authorization_code") && next.redirectUris.length === 0) {
    throw new HttpError(400, "invalid_request", "A client with the authorization_code grant needs a redirect URI");
  }
  if (!(await putClient(next, "replace"))) throw new NotFoundError("Client not found");
  logger.info({ clientId, rotatedSecret: rotateSecret }, "client updated");
  return { client: toClient(next), ...(clientSecret && { clientSecret }) };
}

/** Its machine tokens stop working at once (the authorizer reads the client), its users' sessions at their next refresh. */
export async function removeClient(clientId: string): Promise<void> {
  if (!(await deleteClient(clientId))) throw new NotFoundError("Client not found");
  logger.info({ clientId }, "client deleted");
}

/** How a client proved who it is at the token endpoint (RFC 6749 2.3.1). */
export interface ClientCredentials {
  clientId: string;
  clientSecret?: string;
  method: "client_secret_basic" | "client_secret_post" | "none";
}

/**
 * The client, when the credentials prove it: a confidential client by its
 * secret, a public one by its id alone (it has no secret to keep; PKCE binds
 * its codes). Undefined otherwise, the same for an unknown client as for a
 * wrong secret.
 */
export async function authenticateClient(credentials: ClientCredentials): Promise<ClientRecord | undefined> {
  const client = await getClient(credentials.clientId, CLIENT_AUTH_FIELDS);
  if (!client) return undefined;
  if (client.type === "public") return credentials.method === "none" ? client : undefined;
  if (credentials.method === "none" || credentials.clientSecret === undefined) return undefined;
  return secretMatches(credentials.clientSecret, client.secretHash) ? client : undefined;
}
