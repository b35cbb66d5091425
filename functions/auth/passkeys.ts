// Signin with a passkey: POST /auth/passkeys/options and POST /auth/passkeys/verify (alone, or as the second step).
import { passkeySigninOptions, verifyPasskeySignin } from "../../lib/accounts/passkey-signin.js";
import { json, publicRoute } from "../../lib/http/routes.js";
import { parsePasskeyAssertion, parsePasskeyOptionsRequest } from "../../lib/methods/passkeys/input.js";

export const options = publicRoute({ body: "optional-json" }, async ({ body }) => json(200, await passkeySigninOptions(parsePasskeyOptionsRequest(body))));

export const verify = publicRoute({ body: "json" }, async ({ body, client }) =>
  json(200, await verifyPasskeySignin(parsePasskeyAssertion(body), Date.now(), client)),
);
