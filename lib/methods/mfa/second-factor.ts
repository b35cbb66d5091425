/**
 * A second-factor code checked and spent, under the account's lockout like a
 * password: the attempt is reserved before the check (methods/lockout/), a
 * wrong code counts (`mfa_failed`), and a right one is spent by a conditional
 * write, so a TOTP step or a recovery code works once however requests race.
 */
import { recordAuditEvent } from "../../audit/event-store.js";
import type { ClientInfo } from "../../http/client-info.js";
import { enqueueMailAfterChange } from "../../mail/queue.js";
import { UnauthorizedError } from "../../platform/errors.js";
import { logger } from "../../platform/logger.js";
import { recordFailure, reserveAttemptOrRefuse, type Attempt } from "../lockout/attempts.js";
import { accountLockoutKey } from "../lockout/lockout.js";
import { hashRecoveryCode } from "../recovery-codes/recovery-codes.js";
import { spendRecoveryCode } from "../recovery-codes/recovery-code-store.js";
import { decryptTotpSecret } from "../totp/totp-secret.js";
import { getTotp, spendTotpStep, type TotpRecord } from "../totp/totp-store.js";
import { totpStepOf } from "../totp/totp.js";

export type SecondFactor = "totp" | "recovery_code";

export const SECOND_FACTORS: readonly SecondFactor[] = ["totp", "recovery_code"];

export const wrongCode = () => new UnauthorizedError("The code is wrong, expired or already used", "invalid_mfa_code");

/** Spends `code` of `factor` if it is the user's and unused (`totp`: the user's TOTP item, read already): true when it was. */
async function spendCode(userId: string, factor: SecondFactor, code: string, totp: TotpRecord | undefined, now: number): Promise<boolean> {
  if (factor === "recovery_code") {
    const hash = await hashRecoveryCode(userId, code);
    return hash !== undefined && spendRecoveryCode(userId, hash);
  }
  if (totp?.confirmedAt === undefined) return false;
  const step = await totpStepOfCode(userId, totp, code, now);
  return step !== undefined && spendTotpStep(userId, step);
}

/**
 * The time step `code` is of, for the user's TOTP item (confirmed or
 * pending); undefined when it is none. A secret that does not decrypt
 * (another stage's server secret, a tampered item) verifies nothing.
 */
export async function totpStepOfCode(userId: string, totp: TotpRecord, code: string, now: number): Promise<number | undefined> {
  let secret: string;
  try {
    secret = await decryptTotpSecret(userId, totp.secret);
  } catch (error) {
    logger.error({ userId, err: (error as Error).message }, "TOTP secret does not decrypt");
    return undefined;
  }
  return totpStepOf(secret, code, now);
}

/**
 * Checks and spends a second-factor code of the user: 429 while the account
 * is locked, 401 invalid_mfa_code when wrong or already used (counted). A
 * recovery code used is recorded (`recovery_code_used`) and the owner told,
 * wherever it was used. On success, returns the reserved attempt: the caller
 * forgets the failures once a signin completes, or releases it otherwise.
 */
export async function spendSecondFactor(
  user: { userId: string },
  factor: SecondFactor,
  code: string,
  now: number,
  client: ClientInfo = {},
): Promise<Attempt> {
  // The TOTP item is read alongside the reservation; the code is checked only once the attempt is reserved.
  const [attempt, totp] = await Promise.all([
    reserveAttemptOrRefuse(accountLockoutKey(user.userId), now),
    factor === "totp" ? getTotp(user.userId) : undefined,
  ]);
  if (!(await spendCode(user.userId, factor, code, totp, now))) {
    await recordFailure(attempt, now, user, client, "mfa_failed");
    throw wrongCode();
  }
  if (factor === "recovery_code") {
    await recordAuditEvent({ userId: user.userId, type: "recovery_code_used", at: now, ...client });
    await enqueueMailAfterChange({ type: "recovery-code-used", userId: user.userId }, now);
  }
  return attempt;
}
