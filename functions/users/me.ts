import { getUser } from "../../lib/accounts/accounts.js";
import { json, protectedRoute } from "../../lib/http/routes.js";

export const handler = protectedRoute({ body: "none" }, async ({ caller }) => json(200, { user: await getUser(caller.userId) }));
