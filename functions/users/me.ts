import { userById } from "../../lib/users/users.js";
import { json, protectedRoute } from "../../lib/http/routes.js";

export const handler = protectedRoute({ body: "none", relyingParties: true }, async ({ caller }) => json(200, { user: await userById(caller.userId) }));
