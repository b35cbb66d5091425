import { signupAnswer } from "../../lib/accounts/signup.js";
import { json, publicRoute } from "../../lib/http/routes.js";
import { parseSignup } from "../../lib/accounts/input.js";

export const handler = publicRoute({ body: "json" }, async ({ body, client }) =>
  json(201, await signupAnswer(parseSignup(body), Date.now(), client)),
);
