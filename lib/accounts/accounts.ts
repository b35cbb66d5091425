/**
 * The account rules: signup, signin with lockout, password change, roles.
 * Plain inputs (already validated by validation.ts) and plain outputs.
 */
import { randomUUID } from "node:crypto";
import type { ClientInfo } from "../http/client-info.js";
import { accountLockoutKey, type StoredUser } from "../admin/account-writes.js";
import { deleteOwnAccount, type Actor } from "../admin/administration.js";
import { config } from "../platform/config.js";
import { BadRequestError, ForbiddenError, NotFoundError, TooManyRequestsError, UnauthorizedError } from "../http/errors.js";
import { recordAuditEvent, type AuditEvent } from "../audit/event-store.js";
import { FAILURE_WINDOW_SECONDS, lockSecondsAfter, retryAfterSeconds } from "../methods/lockout/lockout.js";
import { enqueueMailAfterChange } from "../mail/queue.js";
import { hashPassword, passwordProblems, verifyPassword } from "../methods/password/password.js";
import { newSession, sessionResponse, startSession, type Session } from "../sessions/sessions.js";
import * as store from "../users/user-store.js";
import type { SigninFailures, UserRecord } from "../users/user-store.js";
import { toUser, type User } from "../users/users.js";
import type { PasswordChangeInput, SigninInput, SignupInput } from "../http/validation.js";

/** Signup's answer: a session, or (REQUIRE_VERIFIED_EMAIL) the user alone until the email is verified. */
export type SignupResult = Session | { user: User };

function newUserRecord(input: SignupInput, passwordHash: string, now: number): UserRecord {
  return {
    userId: randomUUID(),
    email: input.email,
    ...(input.username && { username: input.username }),
    ...(input.name && { name: input.name }),
    roles: ["user"],
    passwordHash,
    createdAt: new Date(now).toISOString(),
  };
}

/** Creates the user with a first session, and queues the verification email. */
export async function signup(input: SignupInput, now = Date.now(), client: ClientInfo = {}): Promise<Session> {
  const user = newUserRecord(input, await hashPassword(input.password), now);
  const { record, refreshToken } = newSession(user.userId, now, client);
  await store.createUserWithSession(user, record, { userId: user.userId, type: "signup", at: now, sessionId: record.sid, ...client });
  await enqueueMailAfterChange({ type: "verification-requested", userId: user.userId, limited: false }, now);
  return sessionResponse(user, record.sid, refreshToken);
}

/** POST /auth/signup: with REQUIRE_VERIFIED_EMAIL no session is opened until the email is verified. */
export async function signupAnswer(input: SignupInput, now = Date.now(), client: ClientInfo = {}): Promise<SignupResult> {
  if (!config.requireVerifiedEmail) return signup(input, now, client);
  const user = newUserRecord(input, await hashPassword(input.password), now);
  await store.createUserWithSession(user, undefined, { userId: user.userId, type: "signup", at: now, ...client });
  await enqueueMailAfterChange({ type: "verification-requested", userId: user.userId, limited: false }, now);
  return { user: toUser(user) };
}

/**
 * Failed attempts are counted per account, or per identifier when no account
 * matches, so that an unknown email locks exactly like a known one and the
 * 429 tells an attacker nothing about which emails exist.
 */
function lockoutKey(input: SigninInput, userId: string | undefined): string {
  if (userId) return accountLockoutKey(userId);
  return "email" in input ? `email#${input.email}` : `username#${input.username.toLowerCase()}`;
}

/**
 * Counts a failure and, for an existing account, records `signin_failed` (and
 * `locked_out` in the same transaction as the lock). The counter is an
 * UpdateItem that must return the new count, which a transaction cannot, so
 * `signin_failed` is a put of its own, sent alongside it.
 */
async function recordFailure(key: string, now: number, user: UserRecord | undefined, client: ClientInfo): Promise<void> {
  const eventOf = (type: AuditEvent["type"], at: number): AuditEvent | undefined => user && { userId: user.userId, type, at, ...client };
  const failedEvent = eventOf("signin_failed", now);
  const [failures] = await Promise.all([
    store.addSigninFailure(key, now, FAILURE_WINDOW_SECONDS),
    failedEvent && recordAuditEvent(failedEvent),
  ]);
  const lockSeconds = lockSecondsAfter(failures);
  if (lockSeconds > 0) {
    await store.lockSignin(
      key,
      now + lockSeconds * 1000,
      FAILURE_WINDOW_SECONDS,
      // One millisecond after the failure that caused it, so that newest-first lists show the lock above it.
      eventOf("locked_out", now + 1),
    );
  }
}

/**
 * Checks a password under the lockout rules, given the account's failure
 * record as read alongside the user. Throws 429 while locked, 401 when wrong.
 */
async function checkPassword(
  attempt: { key: string; failures: SigninFailures | undefined; user: UserRecord | undefined; password: string },
  message: string,
  now: number,
  client: ClientInfo = {},
): Promise<UserRecord> {
  const retryAfter = retryAfterSeconds(attempt.failures?.lockedUntil, now);
  if (retryAfter > 0) {
    throw new TooManyRequestsError("Too many failed signins for this account, try again later", retryAfter);
  }
  // Always one bcrypt comparison, against a dummy hash when there is no user: same work either way.
  if (!(await verifyPassword(attempt.password, attempt.user?.passwordHash)) || !attempt.user) {
    await recordFailure(attempt.key, now, attempt.user, client);
    throw new UnauthorizedError(message);
  }
  if (attempt.failures) await store.clearSigninFailures(attempt.key);
  return attempt.user;
}

export async function signin(input: SigninInput, now = Date.now(), client: ClientInfo = {}): Promise<Session> {
  const userId = "email" in input ? await store.findUserIdByEmail(input.email) : await store.findUserIdByUsername(input.username);
  const key = lockoutKey(input, userId);
  const [user, failures] = await Promise.all([
    userId === undefined ? undefined : store.getUser(userId),
    store.getSigninFailures(key, now),
  ]);
  const message = "email" in input ? "Incorrect email or password" : "Incorrect username or password";
  const verified = await checkPassword({ key, failures, user, password: input.password }, message, now, client);
  // Only after the right password, so that a disabled or unverified account tells a guesser nothing.
  if (verified.disabled) throw new ForbiddenError("This account is disabled");
  if (config.requireVerifiedEmail && !verified.emailVerified) {
    throw new ForbiddenError("Verify your email address first: follow the link we sent to it");
  }
  return startSession(verified, now, client);
}

/** Changes the password and ends every session of the user, the caller's own included. */
export async function changePassword(
  userId: string,
  input: PasswordChangeInput,
  now = Date.now(),
  origin: { sid?: string; client?: ClientInfo } = {},
): Promise<void> {
  const key = accountLockoutKey(userId);
  const [user, failures] = await Promise.all([store.getUser(userId), store.getSigninFailures(key, now)]);
  if (!user) throw new UnauthorizedError();
  const problems = passwordProblems(input.newPassword, { email: user.email, username: user.username });
  if (problems.length > 0) {
    throw new BadRequestError(
      `Invalid request: newPassword ${problems.join("; ")}`,
      problems.map((problem) => ({ field: "newPassword", problem })),
    );
  }
  // Same lockout as signin: a stolen access token must not become a password-guessing oracle.
  await checkPassword({ key, failures, user, password: input.currentPassword }, "Current password is incorrect", now, origin.client);
  await store.setPasswordHash(userId, await hashPassword(input.newPassword), now, {
    userId,
    type: "password_changed",
    at: now,
    ...(origin.sid && { sessionId: origin.sid }),
    ...origin.client,
  });
  // setPasswordHash set the user-level mark: every session ends, at the authorizer too (session-check.ts).
  await enqueueMailAfterChange({ type: "password-changed", userId }, now);
}

export async function getUser(userId: string): Promise<User> {
  const user = await store.getUser(userId);
  if (!user) throw new NotFoundError("User not found");
  return toUser(user);
}

/** Deletes the caller's own account after checking the current password under the lockout (like a password change). */
export async function deleteMyAccount(actor: Actor, currentPassword: string, now = Date.now()): Promise<void> {
  const key = accountLockoutKey(actor.userId);
  const [user, failures] = await Promise.all([store.getUser(actor.userId), store.getSigninFailures(key, now)]);
  if (!user) throw new UnauthorizedError();
  await checkPassword({ key, failures, user, password: currentPassword }, "Current password is incorrect", now, actor.client);
  await deleteOwnAccount(actor, user as StoredUser, now);
}
