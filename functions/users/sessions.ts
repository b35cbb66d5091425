// The caller's device list: GET /users/me/sessions and DELETE /users/me/sessions/{sid}.
import { json, noContent, protectedRoute } from "../../lib/http/routes.js";
import { listSessions, revokeOwnSession } from "../../lib/sessions/device-list.js";

export const list = protectedRoute({ body: "none" }, async ({ caller }) =>
  json(200, { sessions: await listSessions(caller.userId, caller.sid) }),
);

export const revoke = protectedRoute({ body: "none" }, async ({ event, caller, client }) => {
  await revokeOwnSession(caller.userId, event.pathParameters?.sid ?? "", Date.now(), client);
  return noContent();
});
