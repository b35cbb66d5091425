/**
 * OpenID Provider metadata (OpenID Connect Discovery 1.0, section 3) for
 * verifiers of our access tokens: where the issuer's public keys are and which
 * algorithm signs. This API issues access tokens only (no authorization
 * endpoint, no ID tokens); the members listed are those the specification
 * requires, with the values that describe what the API does sign.
 */
import { config } from "../platform/config.js";
import { SIGNING_ALGORITHM } from "./key-set.js";

export const JWKS_PATH = "/.well-known/jwks.json";
export const DISCOVERY_PATH = "/.well-known/openid-configuration";

export function discoveryDocument() {
  return {
    issuer: config.issuer,
    jwks_uri: `${config.issuer}${JWKS_PATH}`,
    response_types_supported: ["token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
    claims_supported: ["sub", "roles", "sid", "iss", "aud", "iat", "exp", "jti"],
  };
}
