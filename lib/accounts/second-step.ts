/**
 * POST /auth/mfa/verify: the second step of a signin that answered 403
 * mfa_required. The mfaToken names the pending step (methods/mfa/); the code
 * is checked and spent under the account's lockout; the session opens in one
 * transaction that spends the token and checks that the user is still as the
 * first factor read it (no password change, reset, disabling or "sign out
 * everywhere" since). Its `amr` adds `otp` and `mfa` to the first factor's.
 */
import type { ClientInfo } from "../http/client-info.js";
import { recordSuccess } from "../methods/lockout/attempts.js";
import { addSecondStepFailure, pendingSecondStepConsume } from "../methods/mfa/mfa-token-store.js";
import { invalidMfaToken, pendingStepOf } from "../methods/mfa/pending-step.js";
import { spendSecondFactor } from "../methods/mfa/second-factor.js";
import type { SecondStepInput } from "../methods/mfa/input.js";
import { HttpError } from "../platform/errors.js";
import { startSession, type Session } from "../sessions/sessions.js";
import type { AuthenticationMethod } from "../sessions/session-store.js";
import { USER_SESSION_FIELDS } from "../users/user-store.js";

export async function verifySecondStep(input: SecondStepInput, now = Date.now(), client: ClientInfo = {}): Promise<Session> {
  const { hash, pending, user } = await pendingStepOf(input.mfaToken, now, USER_SESSION_FIELDS);

  let attempt;
  try {
    attempt = await spendSecondFactor(user, input.factor, input.code, now, client);
  } catch (error) {
    if (error instanceof HttpError && error.code === "invalid_mfa_code") await addSecondStepFailure(hash);
    throw error;
  }
  const amr = [...new Set<AuthenticationMethod>([...pending.amr, "otp", "mfa"])];
  const [session] = await Promise.all([
    startSession({ ...user, sessionVersion: pending.sessionVersion }, { amr, method: pending.method }, now, client, {
      spends: pendingSecondStepConsume(hash, now),
      refusal: invalidMfaToken,
    }),
    recordSuccess(attempt),
  ]);
  return session;
}

