// Registering a passkey: POST /users/me/passkeys/options, then POST /users/me/passkeys; each its own function and role.
import { passkeyRegistrationOptions, registerPasskey } from "../../lib/accounts/passkey-registration.js";
import type { PasskeyCaller } from "../../lib/accounts/passkey-settings.js";
import type { Caller } from "../../lib/http/caller.js";
import { json, protectedRoute, type ApiRequest } from "../../lib/http/routes.js";
import { parsePasskeyRegistration } from "../../lib/methods/passkeys/input.js";

const callerOf = ({ caller, client }: ApiRequest<Caller>): PasskeyCaller => ({ userId: caller.userId, sid: caller.sid, multiFactor: caller.multiFactor, client });

export const options = protectedRoute({ body: "optional-json" }, async (request) => json(200, await passkeyRegistrationOptions(callerOf(request))));

export const register = protectedRoute({ body: "json" }, async (request) =>
  json(201, { passkey: await registerPasskey(callerOf(request), parsePasskeyRegistration(request.body)) }),
);
