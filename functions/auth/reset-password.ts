import { noContent, publicRoute } from "../../lib/http/routes.js";
import { resetPassword } from "../../lib/accounts/password-reset.js";
import { parsePasswordReset } from "../../lib/accounts/input.js";

export const handler = publicRoute({ body: "json" }, async ({ body, client }) => {
  await resetPassword(parsePasswordReset(body), Date.now(), client);
  return noContent();
});
