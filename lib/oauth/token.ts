/**
 * POST /oauth2/token (RFC 6749 3.2): the authorization code grant with PKCE,
 * the refresh token grant (the same rotation as POST /auth/refresh, either
 * route takes either's tokens) and the client credentials grant.
 */
import { authenticateClient, type ClientCredentials } from "../clients/clients.js";
import type { ClientRecord } from "../clients/client-store.js";
import { issueMachineToken } from "../keys/access-tokens.js";
import { signingKey } from "../keys/signing-keys.js";
import type { ClientInfo } from "../http/client-info.js";
import { config } from "../platform/config.js";
import { UnauthorizedError } from "../platform/errors.js";
import { refreshSessionOf } from "../sessions/refresh.js";
import { exchangeCode } from "./code-exchange.js";
import { tokenResponse, type TokenResponse } from "./token-response.js";
import { requireSingleParameters } from "./input.js";
import { invalidClient, OAuthError } from "./oauth-errors.js";
import { scopesOf } from "./scopes.js";

/**
 * The client's credentials from the Authorization header (client_secret_basic)
 * or the body (client_secret_post, or a public client's `client_id` alone).
 * Using two methods at once is invalid_request (RFC 6749 2.3).
 */
export function clientCredentials(authorization: string | undefined, form: URLSearchParams): ClientCredentials & { basic: boolean } {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? "");
  if (basic) {
    if (form.has("client_secret")) throw new OAuthError("invalid_request", "Use one client authentication method");
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw invalidClient(true);
    // RFC 6749 2.3.1: both parts are form-urlencoded inside the header.
    const decode = (part: string) => {
      try {
        return decodeURIComponent(part.replace(/\+/g, " "));
      } catch {
        throw invalidClient(true);
      }
    };
    const clientId = decode(decoded.slice(0, colon));
    if (form.has("client_id") && form.get("client_id") !== clientId) throw new OAuthError("invalid_request", "client_id differs from the authenticated client");
    return { clientId, clientSecret: decode(decoded.slice(colon + 1)), method: "client_secret_basic", basic: true };
  }
  const clientId = form.get("client_id");
  if (!clientId) throw invalidClient(false);
  const clientSecret = form.get("client_secret") ?? undefined;
  return { clientId, ...(clientSecret !== undefined && { clientSecret }), method: clientSecret === undefined ? "none" : "client_secret_post", basic: false };
}

/** The client the request authenticates (token and revocation endpoints), or 401 invalid_client. */
export async function authenticatedClient(authorization: string | undefined, form: URLSearchParams): Promise<ClientRecord> {
  requireSingleParameters(form.keys());
  const credentials = clientCredentials(authorization, form);
  const client = await authenticateClient(credentials);
  if (!client) throw invalidClient(credentials.basic);
  return client;
}

export async function tokenRequest(authorization: string | undefined, form: URLSearchParams, device: ClientInfo, now = Date.now()): Promise<TokenResponse> {
  const client = await authenticatedClient(authorization, form);
  const grantType = form.get("grant_type");
  switch (grantType) {
    case "authorization_code":
      requireGrant(client, grantType);
      return exchangeCode(client, form, device, now);
    case "refresh_token":
      requireGrant(client, grantType);
      return refreshGrant(client, form, device, now);
    case "client_credentials":
      requireGrant(client, grantType);
      return clientCredentialsGrant(client, form);
    case null:
      throw new OAuthError("invalid_request", "grant_type is required");
    default:
      throw new OAuthError("unsupported_grant_type", "Supported grants: authorization_code, refresh_token, client_credentials");
  }
}

function requireGrant(client: ClientRecord, grantType: ClientRecord["grantTypes"][number]): void {
  if (!client.grantTypes.includes(grantType)) throw new OAuthError("unauthorized_client", `This client may not use the ${grantType} grant`);
}

async function refreshGrant(client: ClientRecord, form: URLSearchParams, device: ClientInfo, now: number): Promise<TokenResponse> {
  const refreshToken = form.get("refresh_token");
  if (!refreshToken) throw new OAuthError("invalid_request", "refresh_token is required");
  if (form.has("scope")) {
    // RFC 6749 6: a narrower scope may be asked; this server grants the session's scope or nothing.
    throw new OAuthError("invalid_scope", "A refresh keeps the scope granted; omit scope");
  }
  try {
    // The web app's client may also refresh the sessions of the JSON routes (the same app's); no other client may.
    const clientIds = client.clientId === config.webClientId ? [client.clientId, config.firstPartyClientId] : [client.clientId];
    const { response, session } = await refreshSessionOf(refreshToken, now, device, { clientIds });
    return tokenResponse(client, response, {
      sid: session.sid,
      scope: session.scope ?? "",
      amr: session.amr,
      authTime: session.authTime ?? Math.floor(session.createdAt / 1000),
    });
  } catch (error) {
    if (error instanceof UnauthorizedError) throw new OAuthError("invalid_grant", "The refresh token is invalid, expired or revoked");
    throw error;
  }
}

/** A token for the client itself (machine to machine): no user, no session, no refresh token. */
async function clientCredentialsGrant(client: ClientRecord, form: URLSearchParams): Promise<TokenResponse> {
  if (client.type !== "confidential") throw new OAuthError("unauthorized_client", "Only a confidential client may use client_credentials");
  // No scopes are defined for machines yet: asking for one is an error rather than a silent narrowing.
  if (scopesOf(form.get("scope") ?? undefined).length > 0) throw new OAuthError("invalid_scope", "No scope can be granted to a client for itself");
  const { accessToken, expiresIn } = issueMachineToken(await signingKey(), { clientId: client.clientId, audience: client.audience });
  return { access_token: accessToken, token_type: "Bearer", expires_in: expiresIn, scope: "" };
}
