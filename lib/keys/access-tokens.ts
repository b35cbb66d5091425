/** Access tokens: RS256 JWTs (RFC 9068 `at+jwt`) issued by the signing key set and verified against the public one. */
import { randomUUID, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import { config } from "../platform/config.js";
import { SIGNING_ALGORITHM } from "./key-set.js";
import type { SigningKey } from "./signing-keys.js";

/** The one algorithm we sign and accept; pinned on both sides so that a token cannot choose its own. */
export const ACCESS_TOKEN_ALGORITHM = SIGNING_ALGORITHM;
export const ACCESS_TOKEN_TYPE = "at+jwt";

/** What an access token says (RFC 9068 claims named as this codebase names them). */
export interface AccessTokenClaims {
  userId: string;
  roles: string[];
  sid: string;
  /** How the session was established (RFC 8176). */
  amr: string[];
  /** The union of the permissions of `roles` (ROLE_PERMISSIONS). */
  permissions: string[];
  /** The OAuth client the token was issued to; the JSON routes issue to the built-in first-party client. */
  clientId: string;
  /** Space-separated, on tokens issued through /oauth2/token. */
  scope?: string;
  /** The client's audience; by default the API's own. */
  audience?: string;
}

/** What a machine token (client credentials) says: the client is its own subject, with no user, session or roles. */
export interface MachineTokenClaims {
  clientId: string;
  scope?: string;
  audience: string;
}

/** A verified access token: a user's (of a session) or a client's own (machine). */
export type VerifiedAccessToken = ({ kind: "user" } & AccessTokenClaims) | ({ kind: "client" } & MachineTokenClaims);

export class InvalidAccessTokenError extends Error {
  override name = "InvalidAccessTokenError";
}

/** Signs with the private KeyObject built once per container (jsonwebtoken would re-import a PEM per call). */
export function issueAccessToken(signing: SigningKey, claims: AccessTokenClaims): { accessToken: string; expiresIn: number } {
  const payload = {
    roles: claims.roles,
    permissions: claims.permissions,
    sid: claims.sid,
    amr: claims.amr,
    client_id: claims.clientId,
    ...(claims.scope !== undefined && { scope: claims.scope }),
  };
  return sign(signing, payload, claims.userId, claims.audience ?? config.audience);
}

/**
 * A client-credentials token: `sub` = `client_id`, no `sid` and no `roles`,
 * so that nothing reads it as a user's; `permissions` empty, so that a
 * permission check reads "none" rather than a missing claim.
 */
export function issueMachineToken(signing: SigningKey, claims: MachineTokenClaims): { accessToken: string; expiresIn: number } {
  const payload = { client_id: claims.clientId, permissions: [], ...(claims.scope && { scope: claims.scope }) };
  return sign(signing, payload, claims.clientId, claims.audience);
}

function sign(signing: SigningKey, payload: object, subject: string, audience: string): { accessToken: string; expiresIn: number } {
  const accessToken = jwt.sign(payload, signing.key, {
    algorithm: ACCESS_TOKEN_ALGORITHM,
    header: { alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE, kid: signing.kid },
    subject,
    issuer: config.issuer,
    audience,
    expiresIn: config.accessTokenTtlSeconds,
    jwtid: randomUUID(),
  });
  return { accessToken, expiresIn: config.accessTokenTtlSeconds };
}

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === "string");

/** How far in the future an `iat` may lie: the clocks of two machines, not a token minted for later. */
const IAT_SKEW_SECONDS = 60;

/**
 * The published key the token's header names. Only `kid` is read from the
 * header: `jku`, `x5u`, `jwk` and the like are ignored, as a key a token
 * brings along proves nothing. A `crit` header demands that we understand
 * extensions we do not implement (RFC 7515 4.1.11): such a token is rejected.
 */
export function keyFor(keys: ReadonlyMap<string, KeyObject>, token: string): KeyObject {
  let header: { alg?: unknown; kid?: unknown; crit?: unknown };
  try {
    header = JSON.parse(Buffer.from(token.slice(0, token.indexOf(".")), "base64url").toString("utf8"));
  } catch {
    throw new InvalidAccessTokenError("malformed header");
  }
  if (header?.alg !== ACCESS_TOKEN_ALGORITHM) throw new InvalidAccessTokenError("wrong alg");
  if (header.crit !== undefined) throw new InvalidAccessTokenError("crit header");
  const key = typeof header.kid === "string" ? keys.get(header.kid) : undefined;
  if (!key) throw new InvalidAccessTokenError("unknown kid");
  return key;
}

/**
 * Verifies signature (by the published key its `kid` names), algorithm, typ,
 * no `crit`, iss, aud (the API's), exp, nbf and an `iat` not in the future,
 * and that the claims we rely on are present and well-typed: a user's token
 * names its session (`sid`) and roles; a machine token has neither, and its
 * `sub` is its `client_id`. Throws InvalidAccessTokenError.
 */
export function verifyAccessToken(keys: ReadonlyMap<string, KeyObject>, token: string, now = Date.now()): VerifiedAccessToken {
  const key = keyFor(keys, token);
  let decoded: jwt.Jwt;
  try {
    decoded = jwt.verify(token, key, {
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: config.issuer,
      audience: config.audience,
      complete: true,
      clockTimestamp: Math.floor(now / 1000),
    });
  } catch {
    throw new InvalidAccessTokenError("signature or claims rejected");
  }
  const { header, payload } = decoded;
  if (header.typ !== ACCESS_TOKEN_TYPE) throw new InvalidAccessTokenError("wrong typ");
  if (typeof payload !== "object") throw new InvalidAccessTokenError("payload is not an object");
  const claims = payload as jwt.JwtPayload & Record<"sid" | "roles" | "permissions" | "amr" | "client_id" | "scope", unknown>;
  const { sub, sid, roles, exp, iat, jti } = claims;
  if (typeof sub !== "string" || sub === "" || typeof exp !== "number" || typeof iat !== "number" || typeof jti !== "string") {
    throw new InvalidAccessTokenError("missing or malformed claims");
  }
  if (iat > Math.floor(now / 1000) + IAT_SKEW_SECONDS) throw new InvalidAccessTokenError("issued in the future");
  const scope = typeof claims.scope === "string" ? claims.scope : undefined;
  if (sid === undefined && roles === undefined) {
    if (claims.client_id !== sub) throw new InvalidAccessTokenError("a token without a session must be its client's own");
    return { kind: "client", clientId: sub, audience: config.audience, ...(scope !== undefined && { scope }) };
  }
  if (typeof sid !== "string" || sid === "" || !isStringArray(roles)) throw new InvalidAccessTokenError("missing or malformed claims");
  // Tokens issued before these claims existed lack them: read as a password session of the first-party client.
  return {
    kind: "user",
    userId: sub,
    sid,
    roles,
    amr: isStringArray(claims.amr) ? claims.amr : ["pwd"],
    permissions: isStringArray(claims.permissions) ? claims.permissions : [],
    clientId: typeof claims.client_id === "string" ? claims.client_id : config.firstPartyClientId,
    ...(scope !== undefined && { scope }),
  };
}

/** Parses `Authorization: Bearer <token>`; undefined when the header is absent or malformed. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i.exec(authorization ?? "");
  return match?.[1];
}
