/** GET /.well-known/openid-configuration: where a verifier finds our issuer's keys. */
import { config } from "../lib/config.js";
import { discoveryDocument } from "../lib/discovery.js";
import { publicDocument, publicRoute } from "../lib/http.js";

export const handler = publicRoute({ body: "none" }, async () => publicDocument(discoveryDocument(), config.jwksMaxAgeSeconds));
