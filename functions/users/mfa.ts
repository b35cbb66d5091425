// The caller's second factor: GET /users/me/mfa, POST /users/me/mfa/totp, POST /users/me/mfa/totp/confirm,
// DELETE /users/me/mfa/totp, POST /users/me/mfa/recovery-codes; each its own function and role.
import {
  confirmTotp,
  mfaStatus,
  regenerateRecoveryCodes,
  removeTotp,
  startTotpEnrollment,
  type SecondFactorCaller,
} from "../../lib/accounts/second-factor-settings.js";
import type { Caller } from "../../lib/http/caller.js";
import { json, noContent, protectedRoute, type ApiRequest } from "../../lib/http/routes.js";
import { parseCode } from "../../lib/methods/mfa/input.js";

const callerOf = ({ caller, client }: ApiRequest<Caller>): SecondFactorCaller => ({ userId: caller.userId, sid: caller.sid, multiFactor: caller.multiFactor, client });

export const status = protectedRoute({ body: "none" }, async ({ caller }) => json(200, await mfaStatus(caller.userId)));

export const enrollTotp = protectedRoute({ body: "optional-json" }, async (request) => json(201, await startTotpEnrollment(callerOf(request))));

export const confirmTotpHandler = protectedRoute({ body: "json" }, async (request) =>
  json(200, await confirmTotp(callerOf(request), parseCode(request.body).code)),
);

export const removeTotpHandler = protectedRoute({ body: "json" }, async (request) => {
  await removeTotp(callerOf(request), parseCode(request.body).code);
  return noContent();
});

export const recoveryCodes = protectedRoute({ body: "json" }, async (request) =>
  json(200, await regenerateRecoveryCodes(callerOf(request), parseCode(request.body).code)),
);
