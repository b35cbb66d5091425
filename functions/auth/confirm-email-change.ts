import { confirmEmailChange } from "../../lib/accounts/email-change.js";
import { parseEmailVerification } from "../../lib/accounts/input.js";
import { json, publicRoute } from "../../lib/http/routes.js";

// The body is `{ token }`, as for verification: the same parser.
export const handler = publicRoute({ body: "json" }, async ({ body, client }) =>
  json(200, { user: await confirmEmailChange(parseEmailVerification(body).token, Date.now(), client) }),
);
