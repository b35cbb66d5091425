/** POST /oauth2/revoke (RFC 7009, form-encoded): 200 once the client is authenticated, whatever the token was. */
import type { APIGatewayProxyResult } from "aws-lambda";
import { headerOf } from "../../lib/http/body.js";
import { publicRoute } from "../../lib/http/routes.js";
import { formOf } from "../../lib/oauth/input.js";
import { revokeToken } from "../../lib/oauth/revocation.js";
import { authenticatedClient } from "../../lib/oauth/token.js";

export const handler = publicRoute({ body: "form", errors: "oauth" }, async ({ event, body, client }): Promise<APIGatewayProxyResult> => {
  const form = formOf(body);
  await revokeToken(await authenticatedClient(headerOf(event, "authorization"), form), form, client);
  return { statusCode: 200, headers: {}, body: "" };
});
