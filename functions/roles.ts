import { setRoles } from "../lib/accounts.js";
import { json, protectedRoute } from "../lib/http.js";
import { parseRoles, parseUserId } from "../lib/validation.js";

export const handler = protectedRoute({ body: "json", roles: ["admin"] }, async ({ event, body }) => {
  const userId = parseUserId(event.pathParameters?.id);
  return json(200, { user: await setRoles(userId, parseRoles(body)) });
});
