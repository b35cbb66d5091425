/**
 * The rule that keeps a second factor worth having: a user who has one needs
 * a multi-factor session to weaken or go around it (change the password or
 * email, delete the account, enroll another factor). Otherwise a stolen
 * password would open a session that could do all of that without the code.
 */
import { ForbiddenError } from "../../platform/errors.js";
import type { UserRecord } from "../../users/user-store.js";

/** 403 mfa_required for a user with a second factor whose session is not multi-factor. */
export function requireMultiFactor(user: Pick<UserRecord, "mfaEnabled">, multiFactor: boolean): void {
  if (user.mfaEnabled && !multiFactor) {
    throw new ForbiddenError("This needs a session signed in with your second factor: sign in again with your code", "mfa_required");
  }
}
