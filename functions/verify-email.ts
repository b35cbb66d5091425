import { verifyEmail } from "../lib/email-verification.js";
import { json, publicRoute } from "../lib/http.js";
import { parseEmailVerification } from "../lib/validation.js";

export const handler = publicRoute({ body: "json" }, async ({ body, client }) =>
  json(200, { user: await verifyEmail(parseEmailVerification(body).token, Date.now(), client) }),
);
