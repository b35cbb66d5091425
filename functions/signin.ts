import { signin } from "../lib/accounts.js";
import { json, publicRoute } from "../lib/http.js";
import { parseSignin } from "../lib/validation.js";

export const handler = publicRoute({ body: "json" }, async ({ body, client }) =>
  json(200, await signin(parseSignin(body), Date.now(), client)),
);
