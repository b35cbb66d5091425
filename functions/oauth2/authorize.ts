/** GET /oauth2/authorize: to the hosted sign-in page, to the client with an error, or an error page when the client or redirect URI is wrong. */
import { htmlPage, redirect } from "../../lib/http/browser-responses.js";
import { publicRoute } from "../../lib/http/routes.js";
import { config } from "../../lib/platform/config.js";
import { startAuthorization } from "../../lib/oauth/authorization.js";

export const handler = publicRoute({ body: "none", errors: "oauth" }, async ({ event }) => {
  const query = event.multiValueQueryStringParameters ?? Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).map(([k, v]) => [k, v === undefined ? undefined : [v]]));
  const outcome = await startAuthorization(query);
  if (outcome.kind === "redirect") return redirect(outcome.location);
  return htmlPage(400, "Sign-in request refused", outcome.message, { href: config.appUrl, text: "Go to the home page" });
});
