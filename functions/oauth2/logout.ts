/** GET /oauth2/logout (RP-initiated logout): ends the sessions the ID token names, then back to the client or a signed-out page. */
import { htmlPage, redirect } from "../../lib/http/browser-responses.js";
import { publicRoute } from "../../lib/http/routes.js";
import { logout } from "../../lib/oauth/logout.js";
import { config } from "../../lib/platform/config.js";

export const handler = publicRoute({ body: "none", errors: "oauth" }, async ({ event, client }) => {
  const outcome = await logout(event.queryStringParameters ?? {}, client);
  if (outcome.kind === "redirect") return redirect(outcome.location);
  const title = outcome.status === 200 ? "Signed out" : "Sign-out request refused";
  return htmlPage(outcome.status, title, outcome.message, { href: config.appUrl, text: "Go to the home page" });
});
