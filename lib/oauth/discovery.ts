/**
 * Authorization server metadata: OpenID Connect Discovery 1.0 (section 3) at
 * /.well-known/openid-configuration and RFC 8414 at
 * /.well-known/oauth-authorization-server, one document for both. It says
 * what the API does, no more: the code flow with PKCE S256 only, RS256 only,
 * the three grants, the client authentication methods the token endpoint takes.
 */
import { SIGNING_ALGORITHM } from "../keys/key-set.js";
import { config } from "../platform/config.js";
import { SCOPE_CLAIMS, SUPPORTED_SCOPES } from "./scopes.js";

const JWKS_PATH = "/.well-known/jwks.json";

export function discoveryDocument() {
  const at = (path: string) => `${config.issuer}${path}`;
  return {
    issuer: config.issuer,
    authorization_endpoint: at("/oauth2/authorize"),
    token_endpoint: at("/oauth2/token"),
    userinfo_endpoint: at("/oauth2/userinfo"),
    jwks_uri: at(JWKS_PATH),
    end_session_endpoint: at("/oauth2/logout"),
    revocation_endpoint: at("/oauth2/revoke"),
    scopes_supported: [...SUPPORTED_SCOPES],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    code_challenge_methods_supported: ["S256"],
    prompt_values_supported: ["login"],
    // RFC 9207: the authorization response names its issuer, against mix-up attacks.
    authorization_response_iss_parameter_supported: true,
    claims_supported: [
      ...new Set([...Object.values(SCOPE_CLAIMS).flat(), "iss", "aud", "exp", "iat", "auth_time", "nonce", "sid", "amr", "roles", "permissions", "client_id", "scope", "jti"]),
    ],
  };
}
