/** PUT /users/{id}/roles (admin). */
import { parseRoles, parseUserId } from "../../lib/admin/input.js";
import { changeRoles } from "../../lib/admin/user-admin.js";
import { json, protectedRoute } from "../../lib/http/routes.js";

export const handler = protectedRoute({ body: "json", roles: ["admin"] }, async ({ event, body, caller, client }) => {
  const userId = parseUserId(event.pathParameters?.id);
  const actor = { userId: caller.userId, sid: caller.sid, client };
  return json(200, { user: await changeRoles(actor, userId, parseRoles(body)) });
});
