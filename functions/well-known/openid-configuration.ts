/** GET /.well-known/openid-configuration: where a verifier finds our issuer's keys. */
import { config } from "../../lib/platform/config.js";
import { discoveryDocument } from "../../lib/keys/discovery.js";
import { publicDocument, publicRoute } from "../../lib/http/routes.js";

export const handler = publicRoute({ body: "none" }, async () => publicDocument(discoveryDocument(), config.jwksMaxAgeSeconds));
