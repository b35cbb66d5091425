/** A signed-in user's linked identities at outside providers: list, link (to the provider and back), unlink. */
import { listIdentities, startLink, unlinkIdentity } from "../../lib/accounts/identity-settings.js";
import { callerOnDevice, json, noContent, protectedRoute } from "../../lib/http/routes.js";
import { parseLinkRequest } from "../../lib/methods/providers/input.js";

export const listIdentitiesHandler = protectedRoute({ body: "none" }, async ({ caller }) => json(200, { identities: await listIdentities(caller.userId) }));

export const linkIdentityHandler = protectedRoute({ body: "json" }, async (request) =>
  json(200, { authorizeUrl: await startLink(callerOnDevice(request), parseLinkRequest(request.body)) }),
);

export const unlinkIdentityHandler = protectedRoute({ body: "none" }, async (request) => {
  await unlinkIdentity(callerOnDevice(request), request.event.pathParameters?.provider ?? "");
  return noContent();
});
