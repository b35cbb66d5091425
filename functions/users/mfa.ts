// The caller's second factor: GET /users/me/mfa, POST /users/me/mfa/totp, POST /users/me/mfa/totp/confirm,
// DELETE /users/me/mfa/totp, POST /users/me/mfa/recovery-codes; each its own function and role.
import {
  confirmTotp,
  mfaStatus,
  regenerateRecoveryCodes,
  removeTotp,
  startTotpEnrollment,
} from "../../lib/accounts/second-factor-settings.js";
import { callerOnDevice, json, noContent, protectedRoute } from "../../lib/http/routes.js";
import { parseCode } from "../../lib/methods/mfa/input.js";

export const status = protectedRoute({ body: "none" }, async ({ caller }) => json(200, await mfaStatus(caller.userId)));

export const enrollTotp = protectedRoute({ body: "optional-json" }, async (request) => json(201, await startTotpEnrollment(callerOnDevice(request))));

export const confirmTotpHandler = protectedRoute({ body: "json" }, async (request) =>
  json(200, await confirmTotp(callerOnDevice(request), parseCode(request.body).code)),
);

export const removeTotpHandler = protectedRoute({ body: "json" }, async (request) => {
  await removeTotp(callerOnDevice(request), parseCode(request.body).code);
  return noContent();
});

export const recoveryCodes = protectedRoute({ body: "json" }, async (request) =>
  json(200, await regenerateRecoveryCodes(callerOnDevice(request), parseCode(request.body).code)),
);
