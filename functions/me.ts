import { getUser } from "../lib/accounts.js";
import { json, protectedRoute } from "../lib/http.js";

export const handler = protectedRoute({ body: "none" }, async ({ caller }) => json(200, { user: await getUser(caller.userId) }));
