/** Where a resource server finds the keys that verify access tokens. */
import type { Transport } from "./request.js";
import { callFor, ROUTES } from "./routes.js";
import type { JwkSet, OpenIdConfiguration } from "./types.js";

export function discoveryRoutes(transport: Transport) {
  return {
    /** GET /.well-known/jwks.json: the public keys (RS256). */
    jwks: () => transport.call<JwkSet>(callFor(ROUTES.jwks), "none"),
    /** GET /.well-known/openid-configuration: `issuer`, `jwks_uri`, ... */
    openidConfiguration: () => transport.call<OpenIdConfiguration>(callFor(ROUTES.openidConfiguration), "none"),
  };
}
