import { signup } from "../lib/accounts.js";
import { json, publicRoute } from "../lib/http.js";
import { parseSignup } from "../lib/validation.js";

export const handler = publicRoute({ body: "json" }, async ({ body, client }) =>
  json(201, await signup(parseSignup(body), Date.now(), client)),
);
