import { randomBytes, randomUUID, createHash, createSecretKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import { config } from "./config.js";

/** The one algorithm we sign and accept; pinned so that a token cannot choose its own. */
export const ACCESS_TOKEN_ALGORITHM = "HS256";
export const ACCESS_TOKEN_TYPE = "at+jwt";

export interface AccessTokenClaims {
  userId: string;
  roles: string[];
  sid: string;
}

export class InvalidAccessTokenError extends Error {
  override name = "InvalidAccessTokenError";
}

/**
 * Builds the key object once. jsonwebtoken re-imports a string secret on every
 * call, which costs ~30x more than reusing a KeyObject.
 */
export function signingKeyFromSecret(secret: string): KeyObject {
  const bytes = Buffer.from(secret, "utf8");
  if (bytes.length < 32) throw new Error("The token signing secret must be at least 32 bytes");
  return createSecretKey(bytes);
}

export function issueAccessToken(key: KeyObject, claims: AccessTokenClaims): { accessToken: string; expiresIn: number } {
  const accessToken = jwt.sign({ roles: claims.roles, sid: claims.sid }, key, {
    algorithm: ACCESS_TOKEN_ALGORITHM,
    header: { alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE },
    subject: claims.userId,
    issuer: config.issuer,
    audience: config.audience,
    expiresIn: config.accessTokenTtlSeconds,
    jwtid: randomUUID(),
  });
  return { accessToken, expiresIn: config.accessTokenTtlSeconds };
}

/**
 * Verifies signature, algorithm, typ, iss, aud, exp and nbf, and that the
 * claims we rely on are present and well-typed. Throws InvalidAccessTokenError.
 */
export function verifyAccessToken(key: KeyObject, token: string): AccessTokenClaims {
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
