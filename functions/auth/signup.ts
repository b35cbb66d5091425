import { signupAnswer } from "../../lib/accounts/accounts.js";
import { json, publicRoute } from "../../lib/http/routes.js";
import { parseSignup } from "../../lib/http/validation.js";

export const handler = publicRoute({ body: "json" }, async ({ body, client }) =>
  json(201, await signupAnswer(parseSignup(body), Date.now(), client)),
);
