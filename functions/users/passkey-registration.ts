// Registering a passkey: POST /users/me/passkeys/options, then POST /users/me/passkeys; each its own function and role.
import { passkeyRegistrationOptions, registerPasskey } from "../../lib/accounts/passkey-registration.js";
import { callerOnDevice, json, protectedRoute } from "../../lib/http/routes.js";
import { parsePasskeyRegistration } from "../../lib/methods/passkeys/input.js";

export const options = protectedRoute({ body: "optional-json" }, async (request) => json(200, await passkeyRegistrationOptions(callerOnDevice(request))));

export const register = protectedRoute({ body: "json" }, async (request) =>
  json(201, { passkey: await registerPasskey(callerOnDevice(request), parsePasskeyRegistration(request.body)) }),
);
