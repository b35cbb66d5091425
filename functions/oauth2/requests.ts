/** The hosted sign-in page's calls on an authorization request: read it, complete it with the page's session, or cancel it. */
import { cancelRequest, completeRequest, continueWithProvider, describeRequest } from "../../lib/oauth/authorization.js";
import { parseProviderChoice } from "../../lib/methods/providers/input.js";
import { json, protectedRoute, publicRoute } from "../../lib/http/routes.js";
import { parseRequestId } from "../../lib/oauth/input.js";

export const describeHandler = publicRoute({ body: "none" }, async ({ event }) =>
  json(200, { request: await describeRequest(parseRequestId(event.pathParameters?.requestId)) }),
);

export const completeHandler = protectedRoute({ body: "none" }, async ({ event, caller }) =>
  json(200, { redirectTo: await completeRequest(parseRequestId(event.pathParameters?.requestId), caller) }),
);

export const cancelHandler = publicRoute({ body: "none" }, async ({ event }) =>
  json(200, { redirectTo: await cancelRequest(parseRequestId(event.pathParameters?.requestId)) }),
);

/** The hosted page's "Continue with <provider>": where the browser goes for this request. */
export const providerHandler = publicRoute({ body: "json" }, async ({ event, body }) =>
  json(200, { redirectTo: await continueWithProvider(parseRequestId(event.pathParameters?.requestId), parseProviderChoice(body)) }),
);
