import { changePassword } from "../../lib/accounts/password-change.js";
import { noContent, protectedRoute } from "../../lib/http/routes.js";
import { parsePasswordChange } from "../../lib/accounts/input.js";

export const handler = protectedRoute({ body: "json" }, async ({ body, caller, client }) => {
  await changePassword(caller.userId, parsePasswordChange(body), Date.now(), { sid: caller.sid, client, multiFactor: caller.multiFactor });
  return noContent();
});
