/** POST /oauth2/token (form-encoded): the authorization code, refresh token and client credentials grants. */
import { json, publicRoute } from "../../lib/http/routes.js";
import { formOf } from "../../lib/oauth/input.js";
import { tokenRequest } from "../../lib/oauth/token.js";
import { headerOf } from "../../lib/http/body.js";

export const handler = publicRoute({ body: "form", errors: "oauth" }, async ({ event, body, client }) =>
  json(200, await tokenRequest(headerOf(event, "authorization"), formOf(body), client)),
);
