/** GET /oauth2/userinfo: the signed-in user's claims, by the access token's scope. */
import { json, protectedRoute } from "../../lib/http/routes.js";
import { userInfo } from "../../lib/oauth/userinfo.js";

export const handler = protectedRoute({ body: "none", errors: "oauth", relyingParties: true }, async ({ caller }) => json(200, await userInfo(caller)));
