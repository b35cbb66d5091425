/** GET /.well-known/jwks.json: the public key set as a JWK Set, for any verifier of our tokens. */
import { config } from "../../lib/platform/config.js";
import { publicDocument, publicRoute } from "../../lib/http/routes.js";
import { verificationKeys } from "../../lib/keys/verification-keys.js";

export const handler = publicRoute({ body: "none" }, async () => publicDocument((await verificationKeys()).jwks, config.jwksMaxAgeSeconds));
