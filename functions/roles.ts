import { changeRoles } from "../lib/administration.js";
import { json, protectedRoute } from "../lib/http.js";
import { parseRoles, parseUserId } from "../lib/validation.js";

export const handler = protectedRoute({ body: "json", roles: ["admin"] }, async ({ event, body, caller, client }) => {
  const userId = parseUserId(event.pathParameters?.id);
  const actor = { userId: caller.userId, sid: caller.sid, client };
  return json(200, { user: await changeRoles(actor, userId, parseRoles(body)) });
});
