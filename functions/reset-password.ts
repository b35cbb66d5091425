import { noContent, publicRoute } from "../lib/http.js";
import { resetPassword } from "../lib/password-reset.js";
import { parsePasswordReset } from "../lib/validation.js";

export const handler = publicRoute({ body: "json" }, async ({ body, client }) => {
  await resetPassword(parsePasswordReset(body), Date.now(), client);
  return noContent();
});
