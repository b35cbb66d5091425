import { signin } from "../../lib/accounts/signin.js";
import { json, publicRoute } from "../../lib/http/routes.js";
import { parseSignin } from "../../lib/methods/password/input.js";

export const handler = publicRoute({ body: "json" }, async ({ body, client }) =>
  json(200, await signin(parseSignin(body), Date.now(), client)),
);
