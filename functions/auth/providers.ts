/** The outside providers: their list, and the callback each answers to (GET, and POST for form_post). */
import { redirect } from "../../lib/http/browser-responses.js";
import { json, publicRoute } from "../../lib/http/routes.js";
import { listedProviders } from "../../lib/methods/providers/provider-config.js";
import { formOf } from "../../lib/oauth/input.js";
import { providerCallback } from "../../lib/oauth/provider-callback.js";

export const listProvidersHandler = publicRoute({ body: "none" }, async () => json(200, { providers: listedProviders() }));

export const callbackGetHandler = publicRoute({ body: "none" }, async ({ event, client }) =>
  redirect(await providerCallback(event.pathParameters?.provider ?? "", new URLSearchParams(event.queryStringParameters as Record<string, string> ?? {}), client)),
);

/** form_post (Apple): the provider's answer is a form the browser posts. */
export const callbackPostHandler = publicRoute({ body: "form" }, async ({ event, body, client }) =>
  redirect(await providerCallback(event.pathParameters?.provider ?? "", formOf(body), client)),
);
