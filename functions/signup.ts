import { signupAnswer } from "../lib/accounts.js";
import { json, publicRoute } from "../lib/http.js";
import { parseSignup } from "../lib/validation.js";

export const handler = publicRoute({ body: "json" }, async ({ body, client }) =>
  json(201, await signupAnswer(parseSignup(body), Date.now(), client)),
);
