/**
 * The pending second step an mfaToken names, with its user, while both are
 * still good: the token known, unexpired and under its wrong-code limit; the
 * user there, enabled, and with the sessionVersion the first factor read (a
 * password change, reset, disabling or "sign out everywhere" since voids it).
 * Shared by every way to answer the step (a code, a passkey).
 */
import { UnauthorizedError } from "../../platform/errors.js";
import { getUser, type UserRecord } from "../../users/user-store.js";
import { getPendingSecondStep, type PendingSecondStep } from "./mfa-token-store.js";
import { hashMfaToken, isMfaTokenShaped } from "./mfa-tokens.js";

export const invalidMfaToken = () =>
  new UnauthorizedError("This sign-in step has expired or was already used: sign in again", "mfa_token_invalid");

/** The step, its token's hash and its user (read with `fields`); 401 mfa_token_invalid otherwise. */
export async function pendingStepOf(
  mfaToken: string,
  now: number,
  fields: Parameters<typeof getUser>[1],
): Promise<{ hash: string; pending: PendingSecondStep; user: UserRecord }> {
  if (!isMfaTokenShaped(mfaToken)) throw invalidMfaToken();
  const hash = hashMfaToken(mfaToken);
  const pending = await getPendingSecondStep(hash, now);
  const user = pending && (await getUser(pending.userId, fields));
  if (!pending || !user || user.disabled || (user.sessionVersion ?? 0) !== pending.sessionVersion) throw invalidMfaToken();
  return { hash, pending, user };
}
