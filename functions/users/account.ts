/** The caller's own account: its deletion and its audit trail. */
import { deleteMyAccount } from "../../lib/accounts/deletion.js";
import { parseAccountDeletion } from "../../lib/accounts/input.js";
import { listEvents } from "../../lib/audit/event-list.js";
import { json, noContent, protectedRoute } from "../../lib/http/routes.js";
import { parseListParams } from "../../lib/http/list-params.js";

export const deleteMe = protectedRoute({ body: "json" }, async ({ body, caller, client }) => {
  await deleteMyAccount({ userId: caller.userId, sid: caller.sid, client }, parseAccountDeletion(body).currentPassword, Date.now(), {
    multiFactor: caller.multiFactor,
  });
  return noContent();
});

export const myEvents = protectedRoute({ body: "none" }, async ({ event, caller }) =>
  json(200, await listEvents(caller.userId, parseListParams(event.queryStringParameters), { mustExist: false })),
);
