/** Where a resource server finds the keys that verify access tokens, and a relying party the provider's endpoints. */
import type { Transport } from "./request.js";
import { callFor, ROUTES } from "./routes.js";
import type { AuthorizationServerMetadata, JwkSet, OpenIdConfiguration } from "./types.js";

export function discoveryRoutes(transport: Transport) {
  return {
    /** GET /.well-known/jwks.json: the public keys (RS256). */
    jwks: () => transport.call<JwkSet>(callFor(ROUTES.jwks), "none"),
    /** GET /.well-known/openid-configuration: `issuer`, `jwks_uri`, ... */
    openidConfiguration: () => transport.call<OpenIdConfiguration>(callFor(ROUTES.openidConfiguration), "none"),
    /** GET /.well-known/oauth-authorization-server: the same metadata at RFC 8414's path. */
    authorizationServer: () => transport.call<AuthorizationServerMetadata>(callFor(ROUTES.authorizationServerMetadata), "none"),
  };
}
