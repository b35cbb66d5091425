/** The example resources: one public route and three protected ones at increasing roles. */
import { clientOrUserRoute, json, protectedRoute, publicRoute } from "../lib/http/routes.js";

const message = (text: string) => async () => json(200, { text });

export const publicMessage = publicRoute({ body: "none" }, message("This is a public message."));
// The one example route a machine token (client credentials) may call: it needs no user and no role.
export const protectedMessage = clientOrUserRoute({ body: "none" }, message("This is a protected message."));
// Resources of the API that any app the user signed in to may read, by the user's roles.
export const moderatorMessage = protectedRoute({ body: "none", roles: ["moderator", "admin"], relyingParties: true }, message("This is a moderator message."));
export const adminMessage = protectedRoute({ body: "none", roles: ["admin"], relyingParties: true }, message("This is an admin message."));
