import { changePassword } from "../lib/accounts.js";
import { noContent, protectedRoute } from "../lib/http.js";
import { parsePasswordChange } from "../lib/validation.js";

export const handler = protectedRoute({ body: "json" }, async ({ body, caller, client }) => {
  await changePassword(caller.userId, parsePasswordChange(body), Date.now(), { sid: caller.sid, client });
  return noContent();
});
