import { verifyEmail } from "../../lib/accounts/email-verification.js";
import { json, publicRoute } from "../../lib/http/routes.js";
import { parseEmailVerification } from "../../lib/accounts/input.js";

export const handler = publicRoute({ body: "json" }, async ({ body, client }) =>
  json(200, { user: await verifyEmail(parseEmailVerification(body).token, Date.now(), client) }),
);
