import { json, publicRoute } from "../../lib/http/routes.js";
import { FORGOT_PASSWORD_ANSWER, requestPasswordReset } from "../../lib/accounts/password-reset.js";
import { parseForgotPassword } from "../../lib/accounts/input.js";

// The same 202 whether or not an account has the email: the mailer looks it up.
export const handler = publicRoute({ body: "json" }, async ({ body, client }) => {
  await requestPasswordReset(parseForgotPassword(body).email, Date.now(), client);
  return json(202, { message: FORGOT_PASSWORD_ANSWER });
});
