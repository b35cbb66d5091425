// POST /auth/mfa/verify: the second step of a signin that answered 403 mfa_required.
import { verifySecondStep } from "../../lib/accounts/second-step.js";
import { json, publicRoute } from "../../lib/http/routes.js";
import { parseSecondStep } from "../../lib/methods/mfa/input.js";

export const handler = publicRoute({ body: "json" }, async ({ body, client }) =>
  json(200, await verifySecondStep(parseSecondStep(body), Date.now(), client)),
);
