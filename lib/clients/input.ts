/** The bodies and path parameters of the client registration routes (`/oauth2/clients`). */
import { checker } from "../http/checker.js";
import { NotFoundError } from "../platform/errors.js";
import type { ClientType, GrantType } from "./client-store.js";

export const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const GRANT_TYPES: readonly GrantType[] = ["authorization_code", "refresh_token", "client_credentials"];
const MAX_URIS = 10;
const URI_MAX = 2000;
const AUDIENCE_MAX = 200;

export interface ClientRegistration {
  name: string;
  type: ClientType;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: GrantType[];
  audience?: string;
}

export interface ClientUpdate {
  name?: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  grantTypes?: GrantType[];
  audience?: string;
  rotateSecret: boolean;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Why a redirect URI cannot be registered, or undefined when it can: an
 * absolute URI without a fragment (RFC 6749 3.1.2), https, or http on a
 * loopback host (a developer's machine, RFC 8252 7.3), or a private-use
 * scheme of a native app (`com.example.app:/callback`, RFC 8252 7.1).
 */
export function redirectUriProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be absolute URIs";
  }
  if (url.hash || value.includes("#")) return "must not have a fragment";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:") return LOOPBACK.has(url.hostname) ? undefined : "must be https (http only on localhost)";
  if (/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol) && !/^(javascript|data|file|vbscript):$/.test(url.protocol)) return undefined;
  return "must be https, http on localhost, or a private-use scheme like com.example.app:";
}

type Check = ReturnType<typeof checker>;

function uriList(c: Check, field: string, required: boolean): string[] | undefined {
  const value = c.body[field];
  if (value === undefined || value === null) {
    if (required) c.problem(field, "is required");
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((uri) => typeof uri === "string" && uri.length > 0 && uri.length <= URI_MAX)) {
    return void c.problem(field, `must be an array of URIs (each at most ${URI_MAX} characters)`);
  }
  if (required && value.length === 0) return void c.problem(field, "must hold at least one URI");
  if (value.length > MAX_URIS) return void c.problem(field, `must hold at most ${MAX_URIS} URIs`);
  const problem = value.map(redirectUriProblem).find(Boolean);
  if (problem) return void c.problem(field, problem);
  return [...new Set(value as string[])];
}

function grantTypes(c: Check, type: ClientType | undefined): GrantType[] | undefined {
  const value = c.body.grantTypes;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((grant) => GRANT_TYPES.includes(grant as GrantType))) {
    return void c.problem("grantTypes", `must be a non-empty array of ${GRANT_TYPES.join(", ")}`);
  }
  if (type === "public" && value.includes("client_credentials")) c.problem("grantTypes", "client_credentials needs a confidential client");
  return [...new Set(value as GrantType[])];
}

export function parseClientRegistration(body: unknown): ClientRegistration {
  const c = checker(body);
  const name = c.string("name", { required: true, max: 100 });
  const type = c.body.type;
  if (type !== "public" && type !== "confidential") c.problem("type", 'must be "public" or "confidential"');
  const grants = grantTypes(c, type as ClientType);
  const codeFlow = !grants || grants.includes("authorization_code");
  // A machine-only client needs no redirect URI.
  const redirectUris = uriList(c, "redirectUris", codeFlow) ?? [];
  const postLogoutRedirectUris = uriList(c, "postLogoutRedirectUris", false) ?? [];
  const audience = c.string("audience", { required: false, max: AUDIENCE_MAX });
  c.done();
  return {
    name: name!,
    type: type as ClientType,
    redirectUris,
    postLogoutRedirectUris,
    grantTypes: grants ?? ["authorization_code", "refresh_token"],
    ...(audience && { audience }),
  };
}

/** `PATCH /oauth2/clients/{clientId}`: the type never changes (a public client never had a secret to keep). */
export function parseClientUpdate(body: unknown, type: ClientType): ClientUpdate {
  const c = checker(body);
  const name = c.string("name", { required: false, max: 100 });
  const grants = grantTypes(c, type);
  const redirectUris = uriList(c, "redirectUris", false);
  const postLogoutRedirectUris = uriList(c, "postLogoutRedirectUris", false);
  const audience = c.string("audience", { required: false, max: AUDIENCE_MAX });
  const rotateSecret = c.boolean("rotateSecret") ?? false;
  if (rotateSecret && type === "public") c.problem("rotateSecret", "a public client has no secret");
  c.done();
  return {
    rotateSecret,
    ...(name !== undefined && { name }),
    ...(grants && { grantTypes: grants }),
    ...(redirectUris && { redirectUris }),
    ...(postLogoutRedirectUris && { postLogoutRedirectUris }),
    ...(audience !== undefined && { audience }),
  };
}

/** A `{clientId}` that no client could have names nothing: the same 404 as an unknown one. */
export function parseClientId(id: unknown): string {
  if (typeof id !== "string" || !CLIENT_ID_PATTERN.test(id)) throw new NotFoundError("Client not found");
  return id;
}
