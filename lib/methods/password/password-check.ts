/**
 * The password as a way to prove who you are: checked under the account's
 * lockout (methods/lockout/), always with one bcrypt comparison, so that an
 * unknown account, a user without a password and a wrong password all cost
 * the same and answer alike.
 */
import type { ClientInfo } from "../../http/client-info.js";
import { isConditionFailed } from "../../platform/dynamodb.js";
import { UnauthorizedError } from "../../platform/errors.js";
import { logger } from "../../platform/logger.js";
import { writeItem } from "../../platform/transactions.js";
import { passwordRehashUpdate } from "../../users/credential-store.js";
import { findUserIdByEmail, findUserIdByUsername, getUser, type UserRecord } from "../../users/user-store.js";
import type { FirstFactor } from "../first-factor.js";
import { recordFailure, recordSuccess, reserveAttemptOrRefuse, type Attempt } from "../lockout/attempts.js";
import { accountLockoutKey, identifierLockoutKey } from "../lockout/lockout.js";
import type { SigninInput } from "./input.js";
import { hashPassword, isOutdatedHash, verifyPassword } from "./password.js";

/**
 * Checks `password` against the user's within a reserved attempt (a refused
 * reservation has already answered 429): `rejection` when wrong (the attempt
 * stays counted), the user when right.
 */
async function checkReserved(
  attempt: Attempt,
  user: UserRecord | undefined,
  password: string,
  rejection: () => UnauthorizedError,
  now: number,
  client: ClientInfo,
): Promise<UserRecord> {
  // Always one bcrypt comparison, against a dummy hash when there is no user or no password: same work either way.
  if (!(await verifyPassword(password, user?.passwordHash)) || !user) {
    await recordFailure(attempt, now, user, client);
    throw rejection();
  }
  return user;
}

/**
 * After a right password, a hash made at another cost than BCRYPT_COST is made
 * again at it (password.ts `isOutdatedHash`): a raised cost reaches every
 * account that signs in, and a known account then costs what an unknown one
 * does. Conditional on the stored hash being the one checked (a password
 * changed meanwhile stays). The upgrade may fail (logged); the signin does not.
 * Signin only: a password change writes a new hash at the cost anyway, and a
 * deletion removes it.
 */
async function upgradeOutdatedHash(user: UserRecord, password: string): Promise<void> {
  const old = user.passwordHash;
  if (old === undefined || !isOutdatedHash(old)) return;
  try {
    await writeItem(passwordRehashUpdate(user.userId, old, await hashPassword(password)));
  } catch (error) {
    if (isConditionFailed(error)) return;
    logger.warn({ userId: user.userId, errorName: (error as Error)?.name }, "password hash not upgraded to BCRYPT_COST");
  }
}

/** The first factor of a password signin: who the email or username names, if the password is theirs. */
export async function passwordFirstFactor(input: SigninInput, now: number, client: ClientInfo = {}): Promise<FirstFactor> {
  const userId = "email" in input ? await findUserIdByEmail(input.email) : await findUserIdByUsername(input.username);
  const key = userId === undefined ? identifierLockoutKey(input) : accountLockoutKey(userId);
  const message = "email" in input ? "Incorrect email or password" : "Incorrect username or password";
  const [user, attempt] = await Promise.all([userId === undefined ? undefined : getUser(userId), reserveAttemptOrRefuse(key, now)]);
  const rejection = () => new UnauthorizedError(message, "invalid_credentials");
  const verified = await checkReserved(attempt, user, input.password, rejection, now, client);
  // Before the session's transaction, which checks the same item: the two never race.
  await upgradeOutdatedHash(verified, input.password);
  // The failures are forgotten when the signin completes (accounts/signin.ts), not after this first factor.
  return { user: verified, authentication: { amr: ["pwd"], method: "password" }, attempt };
}

/**
 * A signed-in user's current password, before a change that needs it
 * (password change, account deletion), under the same lockout as signin: a
 * stolen access token must not become a password-guessing oracle. `before`
 * sees the user first (a new password's policy: a 400 comes before any
 * attempt is counted).
 */
export async function confirmCurrentPassword(
  userId: string,
  password: string,
  now: number,
  options: { client?: ClientInfo; before?: (user: UserRecord) => void } = {},
): Promise<UserRecord> {
  const user = await getUser(userId);
  if (!user) throw new UnauthorizedError();
  options.before?.(user);
  const attempt = await reserveAttemptOrRefuse(accountLockoutKey(userId), now);
  const rejection = () => new UnauthorizedError("Current password is incorrect", "wrong_password");
  const confirmed = await checkReserved(attempt, user, password, rejection, now, options.client ?? {});
  await recordSuccess(attempt);
  return confirmed;
}
