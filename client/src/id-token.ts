/**
 * The checks of an ID token that a client makes after a code exchange
 * (OpenID Connect Core 1.0, 3.1.3.7). The signature is not among them: the
 * token came straight from the token endpoint over TLS, which 3.1.3.7 (6)
 * allows to stand in for it, and a verifier in the page would trust a key
 * set fetched over that same connection anyway. What ties the token to this
 * client and this signin is checked: issuer, audience, authorized party,
 * nonce, expiry, and the algorithm it claims (never `none`).
 */
import { AuthorizationError } from "./errors.js";
import { decodeJwtPart } from "./jwt.js";

export interface IdTokenClaims {
  iss: string;
  /** The user id. */
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  auth_time?: number;
  nonce?: string;
  /** The session the ID token names (the one `/oauth2/logout` ends). */
  sid?: string;
  amr?: string[];
  azp?: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
}

export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  /** The nonce the authorization request sent. */
  nonce: string;
  /** Milliseconds since the epoch. */
  now: number;
}

/** How far this machine's clock may be behind the API's before a fresh token looks expired. */
const CLOCK_TOLERANCE_SECONDS = 300;

/** The claims of `idToken` when it is one for this signin; `AuthorizationError` `invalid_id_token` otherwise. */
export function checkIdToken(idToken: string, expected: IdTokenExpectations): IdTokenClaims {
  const header = decodeJwtPart(idToken, 0);
  const claims = decodeJwtPart(idToken, 1) as Partial<IdTokenClaims> | undefined;
  const refuse = (why: string): never => {
    throw new AuthorizationError("invalid_id_token", `The ID token ${why}`);
  };
  if (!header || !claims || idToken.split(".").length !== 3) return refuse("is not a JWT");
  // The provider signs with RS256 only; anything else (`none` above all) is not its token.
  if (header.alg !== "RS256") refuse(`is signed with ${String(header.alg)}, not RS256`);
  if (claims.iss !== expected.issuer) refuse(`was issued by ${String(claims.iss)}, not ${expected.issuer}`);
  const audiences = typeof claims.aud === "string" ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!audiences.includes(expected.clientId)) refuse(`is not for the client ${expected.clientId}`);
  if ((audiences.length > 1 || claims.azp !== undefined) && claims.azp !== expected.clientId) refuse(`was authorized for ${String(claims.azp)}`);
  if (claims.nonce !== expected.nonce) refuse("does not carry this signin's nonce");
  if (typeof claims.sub !== "string" || claims.sub === "") refuse("names no subject");
  if (typeof claims.exp !== "number" || claims.exp + CLOCK_TOLERANCE_SECONDS <= expected.now / 1000) refuse("has expired");
  return claims as IdTokenClaims;
}
