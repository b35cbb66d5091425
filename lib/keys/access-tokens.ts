import { randomBytes, randomUUID, createHash, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import { config } from "../platform/config.js";
import { SIGNING_ALGORITHM } from "./key-set.js";
import type { SigningKey } from "./signing-keys.js";

/** The one algorithm we sign and accept; pinned on both sides so that a token cannot choose its own. */
export const ACCESS_TOKEN_ALGORITHM = SIGNING_ALGORITHM;
export const ACCESS_TOKEN_TYPE = "at+jwt";

export interface AccessTokenClaims {
  userId: string;
  roles: string[];
  sid: string;
}

export class InvalidAccessTokenError extends Error {
  override name = "InvalidAccessTokenError";
}

/** Signs with the private KeyObject built once per container (jsonwebtoken would re-import a PEM per call). */
export function issueAccessToken(signing: SigningKey, claims: AccessTokenClaims): { accessToken: string; expiresIn: number } {
  const accessToken = jwt.sign({ roles: claims.roles, sid: claims.sid }, signing.key, {
    algorithm: ACCESS_TOKEN_ALGORITHM,
    header: { alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE, kid: signing.kid },
    subject: claims.userId,
    issuer: config.issuer,
    audience: config.audience,
    expiresIn: config.accessTokenTtlSeconds,
    jwtid: randomUUID(),
  });
  return { accessToken, expiresIn: config.accessTokenTtlSeconds };
}

/**
 * The published key the token's header names. Only `kid` is read from the
 * header: `jku`, `x5u`, `jwk` and the like are ignored, as a key a token
 * brings along proves nothing.
 */
function keyFor(keys: ReadonlyMap<string, KeyObject>, token: string): KeyObject {
  let header: { alg?: unknown; kid?: unknown };
  try {
    header = JSON.parse(Buffer.from(token.slice(0, token.indexOf(".")), "base64url").toString("utf8"));
  } catch {
    throw new InvalidAccessTokenError("malformed header");
  }
  if (header?.alg !== ACCESS_TOKEN_ALGORITHM) throw new InvalidAccessTokenError("wrong alg");
  const key = typeof header.kid === "string" ? keys.get(header.kid) : undefined;
  if (!key) throw new InvalidAccessTokenError("unknown kid");
  return key;
}

/**
 * Verifies signature (by the published key its `kid` names), algorithm, typ,
 * iss, aud, exp and nbf, and that the
 * claims we rely on are present and well-typed. Throws InvalidAccessTokenError.
 */
export function verifyAccessToken(keys: ReadonlyMap<string, KeyObject>, token: string): AccessTokenClaims {
  const key = keyFor(keys, token);
  let decoded: jwt.Jwt;
  try {
    decoded = jwt.verify(token, key, {
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: config.issuer,
      audience: config.audience,
      complete: true,
    });
  } catch {
    throw new InvalidAccessTokenError("signature or claims rejected");
  }
  const { header, payload } = decoded;
  if (header.typ !== ACCESS_TOKEN_TYPE) throw new InvalidAccessTokenError("wrong typ");
  if (typeof payload !== "object") throw new InvalidAccessTokenError("payload is not an object");
  const { sub, sid, roles, exp, jti } = payload as jwt.JwtPayload & { sid?: unknown; roles?: unknown };
  if (
    typeof sub !== "string" || sub === "" ||
    typeof sid !== "string" || sid === "" ||
    typeof exp !== "number" ||
    typeof jti !== "string" ||
    !Array.isArray(roles) || !roles.every((role) => typeof role === "string")
  ) {
    throw new InvalidAccessTokenError("missing or malformed claims");
  }
  return { userId: sub, sid, roles };
}

/**
 * An opaque refresh token: `<sid>.<secret>`, the secret 256 random bits
 * (base64url). Naming its session lets a refresh find the session in one
 * keyed read; the session id is no secret (every access token carries it).
 */
export function newRefreshToken(sid: string): string {
  return `${sid}.${randomBytes(32).toString("base64url")}`;
}

const REFRESH_TOKEN_PATTERN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[A-Za-z0-9_-]{43}$/;

/** The session a refresh token names, or undefined when it is not shaped like one of ours. */
export function refreshTokenSid(refreshToken: string): string | undefined {
  return REFRESH_TOKEN_PATTERN.exec(refreshToken)?.[1];
}

/** Refresh tokens are stored only as this hash; SHA-256 suffices for 256-bit random secrets. */
export function hashRefreshToken(refreshToken: string): string {
  return createHash("sha256").update(refreshToken).digest("base64url");
}

/** Parses `Authorization: Bearer <token>`; undefined when the header is absent or malformed. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i.exec(authorization ?? "");
  return match?.[1];
}
