// POST /users/me/email: asks to move the caller's account to another address (a link goes there).
import { EMAIL_CHANGE_ANSWER, requestEmailChange } from "../../lib/accounts/email-change.js";
import { parseEmailChange } from "../../lib/accounts/input.js";
import { callerOnDevice, json, protectedRoute } from "../../lib/http/routes.js";

export const handler = protectedRoute({ body: "json" }, async (request) => {
  await requestEmailChange(callerOnDevice(request), parseEmailChange(request.body));
  return json(202, { message: EMAIL_CHANGE_ANSWER });
});
