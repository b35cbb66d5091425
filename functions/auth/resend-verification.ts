import { RESEND_ANSWER, resendVerificationEmail } from "../../lib/accounts/email-verification.js";
import { json, protectedRoute } from "../../lib/http/routes.js";

export const handler = protectedRoute({ body: "optional-json" }, async ({ caller }) => {
  await resendVerificationEmail(caller.userId);
  return json(202, { message: RESEND_ANSWER });
});
