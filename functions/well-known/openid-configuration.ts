/** GET /.well-known/openid-configuration and /.well-known/oauth-authorization-server: the authorization server metadata (one document). */
import { config } from "../../lib/platform/config.js";
import { discoveryDocument } from "../../lib/oauth/discovery.js";
import { publicDocument, publicRoute } from "../../lib/http/routes.js";

export const handler = publicRoute({ body: "none" }, async () => publicDocument(discoveryDocument(), config.jwksMaxAgeSeconds));
