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
  /** The client the token was issued to: `first-party` (or `FIRST_PARTY_CLIENT_ID`) for the JSON routes. */
  client_id?: string;
  exp?: number;
}

export function readClaims(accessToken: string): AccessTokenClaims {
  const payload = accessToken.split(".")[1];
  if (!payload) return {};
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === "object" ? (claims as AccessTokenClaims) : {};
  } catch {
    return {};
  }
}
