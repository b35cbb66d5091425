/** The example resources: one public route and three protected ones at increasing roles. */
import { json, protectedRoute, publicRoute } from "../lib/http/routes.js";

const message = (text: string) => async () => json(200, { text });

export const publicMessage = publicRoute({ body: "none" }, message("This is a public message."));
export const protectedMessage = protectedRoute({ body: "none" }, message("This is a protected message."));
export const moderatorMessage = protectedRoute({ body: "none", roles: ["moderator", "admin"] }, message("This is a moderator message."));
export const adminMessage = protectedRoute({ body: "none", roles: ["admin"] }, message("This is an admin message."));
