/**
 * ID tokens (OpenID Connect Core 2): RS256 by the same keys as access tokens,
 * header `typ: JWT` so that no verifier of access tokens (`at+jwt`) takes one
 * for the other; and the check of an `id_token_hint` at logout.
 */
import { randomUUID, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import { ACCESS_TOKEN_ALGORITHM, InvalidAccessTokenError, keyFor } from "../keys/access-tokens.js";
import type { SigningKey } from "../keys/signing-keys.js";
import { config } from "../platform/config.js";
import type { User } from "../users/users.js";
import { userClaims } from "./claims.js";

export interface IdTokenInput {
  user: User;
  clientId: string;
  scopes: readonly string[];
  /** The session the client got (its `sid`): what logout ends. */
  sid: string;
  amr: readonly string[];
  /** When the user authenticated, epoch s. */
  authTime: number;
  nonce?: string;
}

export function issueIdToken(signing: SigningKey, input: IdTokenInput): string {
  const payload = {
    ...userClaims(input.user, input.scopes),
    auth_time: input.authTime,
    sid: input.sid,
    amr: input.amr,
    ...(input.nonce !== undefined && { nonce: input.nonce }),
  };
  return jwt.sign(payload, signing.key, {
    algorithm: ACCESS_TOKEN_ALGORITHM,
    header: { alg: ACCESS_TOKEN_ALGORITHM, typ: "JWT", kid: signing.kid },
    issuer: config.issuer,
    audience: input.clientId,
    expiresIn: config.accessTokenTtlSeconds,
    jwtid: randomUUID(),
  });
}

/**
 * What an `id_token_hint` names, when we issued it: its client and session.
 * Signature, algorithm, issuer and typ are checked; its expiry is not (OpenID
 * Connect RP-Initiated Logout 1.0 2: a client may log out with an expired one).
 */
export function verifyIdTokenHint(keys: ReadonlyMap<string, KeyObject>, token: string): { clientId: string; sid?: string; userId: string } | undefined {
  try {
    const { header, payload } = jwt.verify(token, keyFor(keys, token), {
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: config.issuer,
      ignoreExpiration: true,
      complete: true,
    });
    if (header.typ !== "JWT" || typeof payload !== "object") return undefined;
    const { aud, sub, sid } = payload;
    if (typeof aud !== "string" || typeof sub !== "string") return undefined;
    return { clientId: aud, userId: sub, ...(typeof sid === "string" && { sid }) };
  } catch (error) {
    if (error instanceof InvalidAccessTokenError || error instanceof jwt.JsonWebTokenError) return undefined;
    throw error;
  }
}
