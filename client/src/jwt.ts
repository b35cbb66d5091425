/**
 * Reads claims of an access token without verifying it. The client trusts
 * its own tokens only as far as to tell which session they name (`sid`);
 * whoever grants access verifies them (the API's authorizer, or a resource
 * server with the JWK Set).
 */
export interface AccessTokenClaims {
  sub?: string;
  sid?: string;
  roles?: string[];
  /** The union of the permissions of the user's roles when the token was issued (`ROLE_PERMISSIONS`). */
  permissions?: string[];
  /** How the session was established (RFC 8176): `["pwd"]` after a password. */
  amr?: string[];
  /** The client the token was issued to: `first-party` (or `FIRST_PARTY_CLIENT_ID`) for the JSON routes, the OAuth client's id for `/oauth2/token`. */
  client_id?: string;
  /** The scopes granted, space-separated (tokens from `/oauth2/token` only). */
  scope?: string;
  exp?: number;
}

export function readClaims(accessToken: string): AccessTokenClaims {
  return decodeJwtPart(accessToken, 1) ?? {};
}

/** The JSON object of a JWT's header (0) or payload (1), unverified; undefined when it is not one. */
export function decodeJwtPart(token: string, index: 0 | 1): Record<string, unknown> | undefined {
  const part = token.split(".")[index];
  if (!part) return undefined;
  try {
    const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
