// The caller's passkeys: GET /users/me/passkeys, PATCH and DELETE /users/me/passkeys/{id}; each its own function
// and role (registration is passkey-registration.ts).
import { listPasskeys, removePasskey, renameOwnPasskey } from "../../lib/accounts/passkey-settings.js";
import type { Caller } from "../../lib/http/caller.js";
import { callerOnDevice, json, noContent, protectedRoute, type ApiRequest } from "../../lib/http/routes.js";
import { isCredentialId, parsePasskeyRename } from "../../lib/methods/passkeys/input.js";
import { NotFoundError } from "../../lib/platform/errors.js";

const passkeyIdOf = ({ event }: ApiRequest<Caller>): string => {
  const id = event.pathParameters?.id;
  if (!isCredentialId(id)) throw new NotFoundError("Passkey not found");
  return id;
};

export const list = protectedRoute({ body: "none" }, async ({ caller }) => json(200, { passkeys: await listPasskeys(caller.userId) }));

export const rename = protectedRoute({ body: "json" }, async (request) =>
  json(200, { passkey: await renameOwnPasskey(request.caller.userId, passkeyIdOf(request), parsePasskeyRename(request.body).name) }),
);

export const remove = protectedRoute({ body: "none" }, async (request) => {
  await removePasskey(callerOnDevice(request), passkeyIdOf(request));
  return noContent();
});
