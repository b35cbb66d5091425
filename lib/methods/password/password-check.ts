/**
 * The password as a way to prove who you are: checked under the account's
 * lockout (methods/lockout/), always with one bcrypt comparison, so that an
 * unknown account, a user without a password and a wrong password all cost
 * the same and answer alike.
 */
import type { ClientInfo } from "../../http/client-info.js";
import { UnauthorizedError } from "../../platform/errors.js";
import { findUserIdByEmail, findUserIdByUsername, getUser, type UserRecord } from "../../users/user-store.js";
import type { FirstFactor } from "../first-factor.js";
import { recordFailure, recordSuccess, refuseWhileLocked } from "../lockout/attempts.js";
import { accountLockoutKey, identifierLockoutKey } from "../lockout/lockout.js";
import { getSigninFailures, type SigninFailures } from "../lockout/lockout-store.js";
import type { SigninInput } from "./input.js";
import { verifyPassword } from "./password.js";

/**
 * Checks `password` against the user's (under the lockout of `key`): 429
 * while locked, `rejection` when wrong (counted), the user when right.
 */
async function checkUnderLockout(
  attempt: { key: string; failures: SigninFailures | undefined; user: UserRecord | undefined; password: string },
  rejection: () => UnauthorizedError,
  now: number,
  client: ClientInfo,
): Promise<UserRecord> {
  const { key, failures, user, password } = attempt;
  refuseWhileLocked(failures, now);
  // Always one bcrypt comparison, against a dummy hash when there is no user or no password: same work either way.
  if (!(await verifyPassword(password, user?.passwordHash)) || !user) {
    await recordFailure(key, now, user, client);
    throw rejection();
  }
  await recordSuccess(key, failures);
  return user;
}

/** The first factor of a password signin: who the email or username names, if the password is theirs. */
export async function passwordFirstFactor(input: SigninInput, now: number, client: ClientInfo = {}): Promise<FirstFactor> {
  const userId = "email" in input ? await findUserIdByEmail(input.email) : await findUserIdByUsername(input.username);
  const key = userId === undefined ? identifierLockoutKey(input) : accountLockoutKey(userId);
  const message = "email" in input ? "Incorrect email or password" : "Incorrect username or password";
  const [user, failures] = await Promise.all([userId === undefined ? undefined : getUser(userId), getSigninFailures(key, now)]);
  const rejection = () => new UnauthorizedError(message, "invalid_credentials");
  const verified = await checkUnderLockout({ key, failures, user, password: input.password }, rejection, now, client);
  return { user: verified, authentication: { amr: ["pwd"], method: "password" } };
}

/**
 * A signed-in user's current password, before a change that needs it
 * (password change, account deletion), under the same lockout as signin: a
 * stolen access token must not become a password-guessing oracle. `before`
 * sees the user first (a new password's policy: a 400 comes before any check).
 */
export async function confirmCurrentPassword(
  userId: string,
  password: string,
  now: number,
  options: { client?: ClientInfo; before?: (user: UserRecord) => void } = {},
): Promise<UserRecord> {
  const key = accountLockoutKey(userId);
  const [user, failures] = await Promise.all([getUser(userId), getSigninFailures(key, now)]);
  if (!user) throw new UnauthorizedError();
  options.before?.(user);
  const rejection = () => new UnauthorizedError("Current password is incorrect", "wrong_password");
  return checkUnderLockout({ key, failures, user, password }, rejection, now, options.client ?? {});
}
