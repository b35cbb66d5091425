/**
 * The caller's own second factor: its status, enrolling TOTP (start, then
 * confirm with a current code, which answers the first recovery codes),
 * removing it and regenerating recovery codes (each with a current code).
 * Every change is one transaction with its audit event, and the owner gets a
 * notice by email. Enrolling when a second factor exists needs a
 * multi-factor session (methods/mfa/step-up.ts).
 */
import { auditEventPut } from "../audit/event-store.js";
import type { CallerOnDevice } from "../http/caller.js";
import { enqueueMailAfterChange } from "../mail/queue.js";
import { recordFailure, releaseAttempt, reserveAttemptOrRefuse } from "../methods/lockout/attempts.js";
import { accountLockoutKey } from "../methods/lockout/lockout.js";
import { spendSecondFactor, totpStepOfCode, wrongCode, type SecondFactor } from "../methods/mfa/second-factor.js";
import { hashRecoveryCodes, newRecoveryCodes } from "../methods/recovery-codes/recovery-codes.js";
import { recoveryCodesDelete, recoveryCodesPut, remainingRecoveryCodes } from "../methods/recovery-codes/recovery-code-store.js";
import { encryptTotpSecret } from "../methods/totp/totp-secret.js";
import { getTotp, putPendingTotp, totpConfirmedAt, totpConfirmUpdate, totpDelete } from "../methods/totp/totp-store.js";
import { isTotpCodeShaped, newTotpSecret, otpauthUri } from "../methods/totp/totp.js";
import { requireMultiFactor } from "../methods/mfa/step-up.js";
import { ConflictError, NotFoundError, UnauthorizedError } from "../platform/errors.js";
import { anyConditionFailed, transactWrite } from "../platform/transactions.js";
import { mfaDisabledUpdate, mfaEnabledUpdate } from "../users/credential-store.js";
import { USER_METHOD_FIELDS, USER_SESSION_FIELDS, getUser, type UserRecord } from "../users/user-store.js";
import { existingUser } from "../users/users.js";
import { requireLiveSession } from "../sessions/sessions.js";
import { conditionFailedAt } from "../platform/dynamodb.js";

export interface MfaStatus {
  totp: { enabled: boolean; createdAt?: string };
  passkeys: number;
  recoveryCodes: { remaining: number };
}

const noSecondFactor = () => new NotFoundError("You have no second factor");

/** A current code as typed: six digits are a TOTP code, anything else may be a recovery code. */
const factorOf = (code: string): SecondFactor => (isTotpCodeShaped(code) ? "totp" : "recovery_code");

export async function mfaStatus(userId: string): Promise<MfaStatus> {
  const [confirmedAt, remaining, user] = await Promise.all([totpConfirmedAt(userId), remainingRecoveryCodes(userId), getUser(userId, USER_METHOD_FIELDS)]);
  return {
    totp: { enabled: confirmedAt !== undefined, ...(confirmedAt !== undefined && { createdAt: new Date(confirmedAt).toISOString() }) },
    passkeys: user?.passkeyIds?.size ?? 0,
    recoveryCodes: { remaining },
  };
}

/** POST /users/me/mfa/totp: a new secret, shown once; active only once confirmed. A pending one is replaced. */
export async function startTotpEnrollment(caller: CallerOnDevice, now = Date.now()): Promise<{ secret: string; otpauthUri: string }> {
  const user = await existingUser(caller.userId, USER_SESSION_FIELDS);
  requireMultiFactor(user, caller.multiFactor);
  const alreadyEnabled = () => new ConflictError("An authenticator app is already set up: remove it first to set up another", "mfa_already_enabled");
  if (user.mfaEnabled) throw alreadyEnabled();
  const secret = newTotpSecret();
  if (!(await putPendingTotp(user.userId, await encryptTotpSecret(user.userId, secret), now))) throw alreadyEnabled();
  return { secret, otpauthUri: otpauthUri(secret, user.email) };
}

/**
 * POST /users/me/mfa/totp/confirm: a current code of the pending secret makes
 * it the user's second factor (that code's step is spent) and answers the
 * first 10 recovery codes. Wrong codes count in the lockout.
 */
export async function confirmTotp(caller: CallerOnDevice, code: string, now = Date.now()): Promise<{ recoveryCodes: string[] }> {
  const [user, totp] = await Promise.all([existingUser(caller.userId, USER_SESSION_FIELDS), getTotp(caller.userId)]);
  if (user.mfaEnabled || totp?.confirmedAt !== undefined) throw new ConflictError("An authenticator app is already set up", "mfa_already_enabled");
  if (!totp) throw new ConflictError("There is no authenticator app setup to confirm: start one first", "no_pending_enrollment");
  // The authorizer's answer may be cached: an ended session must not add a factor (sessions.ts `requireLiveSession`).
  await requireLiveSession(caller.sid, user, now);
  const attempt = await reserveAttemptOrRefuse(accountLockoutKey(user.userId), now);
  const step = await totpStepOfCode(user.userId, totp, code, now);
  if (step === undefined) {
    await recordFailure(attempt, now, user, caller.client, "mfa_failed");
    throw wrongCode();
  }
  const recoveryCodes = newRecoveryCodes();
  try {
    await transactWrite([
      totpConfirmUpdate(user.userId, totp.secret, step, now),
      mfaEnabledUpdate(user),
      recoveryCodesPut(user.userId, await hashRecoveryCodes(user.userId, recoveryCodes), now),
      auditEventPut({ userId: user.userId, type: "mfa_enabled", at: now, method: "totp", ...caller.client }),
    ]);
  } catch (error) {
    if (!anyConditionFailed(error)) throw error;
    await releaseAttempt(attempt);
    // mfaEnabledUpdate holds the user as read: a session ended since the check adds no factor.
    if (conditionFailedAt(error, 1)) throw new UnauthorizedError("The session has ended: sign in again");
    // Another confirmation or a new enrollment got there first: what was read is not what is stored.
    throw new ConflictError("The setup changed meanwhile: start again", "no_pending_enrollment");
  }
  // Not a signin: the code takes its own attempt back and leaves earlier failures (a password's too) counted.
  await releaseAttempt(attempt);
  await enqueueMailAfterChange({ type: "mfa-enabled", userId: user.userId }, now);
  return { recoveryCodes };
}

/** A user who has a second factor, and a current code of it spent (TOTP or recovery code). */
async function withCurrentCode(caller: CallerOnDevice, code: string, now: number): Promise<UserRecord> {
  const user = await existingUser(caller.userId, USER_SESSION_FIELDS);
  if (!user.mfaEnabled) throw noSecondFactor();
  const attempt = await spendSecondFactor(user, factorOf(code), code, now, caller.client);
  // Not a signin: earlier failures stay counted, or a session could clear the count between password guesses.
  await releaseAttempt(attempt);
  return user;
}

/** DELETE /users/me/mfa/totp with a current code: the second factor and its recovery codes are gone. */
export async function removeTotp(caller: CallerOnDevice, code: string, now = Date.now()): Promise<void> {
  const user = await withCurrentCode(caller, code, now);
  await transactWrite([
    mfaDisabledUpdate(user.userId, now, { endSessions: false }),
    totpDelete(user.userId),
    recoveryCodesDelete(user.userId),
    auditEventPut({ userId: user.userId, type: "mfa_disabled", at: now, method: "totp", ...caller.client }),
  ]);
  await enqueueMailAfterChange({ type: "mfa-disabled", userId: user.userId }, now);
}

/** POST /users/me/mfa/recovery-codes with a current code: 10 new codes; the old ones stop working. */
export async function regenerateRecoveryCodes(caller: CallerOnDevice, code: string, now = Date.now()): Promise<{ recoveryCodes: string[] }> {
  const user = await withCurrentCode(caller, code, now);
  const recoveryCodes = newRecoveryCodes();
  await transactWrite([
    recoveryCodesPut(user.userId, await hashRecoveryCodes(user.userId, recoveryCodes), now),
    auditEventPut({ userId: user.userId, type: "recovery_codes_regenerated", at: now, ...caller.client }),
  ]);
  return { recoveryCodes };
}
