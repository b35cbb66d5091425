/** POST /auth/signup: a new user with a password, its first session, and the verification email. */
import { randomUUID } from "node:crypto";
import { auditEventPut, type AuditEvent } from "../audit/event-store.js";
import type { ClientInfo } from "../http/client-info.js";
import { ConflictError } from "../platform/errors.js";
import { enqueueMailAfterChange } from "../mail/queue.js";
import { hashPassword } from "../methods/password/password.js";
import { config } from "../platform/config.js";
import { transactWrite } from "../platform/transactions.js";
import { sessionPut, type SessionRecord } from "../sessions/session-store.js";
import { newSession, sessionResponse, type Session } from "../sessions/sessions.js";
import { newUserRecord, takenClaim, userCreateItems, type UserRecord } from "../users/user-store.js";
import { toUser, type User } from "../users/users.js";
import type { SignupInput } from "./input.js";

/** Signup's answer: a session, or (REQUIRE_VERIFIED_EMAIL) the user alone until the email is verified. */
export type SignupResult = Session | { user: User };

function signupRecord(input: SignupInput, passwordHash: string, now: number): UserRecord {
  return newUserRecord({
    userId: randomUUID(),
    email: input.email,
    ...(input.username && { username: input.username }),
    ...(input.name && { name: input.name }),
    roles: ["user"],
    passwordHash,
    createdAt: new Date(now).toISOString(),
  });
}

/**
 * Creates the user, its uniqueness claims and its first session in one
 * transaction with the `signup` event: either all exist afterwards or none
 * does. Without a session when signup opens none (REQUIRE_VERIFIED_EMAIL).
 */
async function createUser(user: UserRecord, session: SessionRecord | undefined, event: AuditEvent): Promise<void> {
  try {
    await transactWrite([...userCreateItems(user), ...(session ? [sessionPut(session)] : []), auditEventPut(event)]);
  } catch (error) {
    const taken = takenClaim(error, user);
    if (taken === "email") throw new ConflictError("Email is already registered", "email_taken");
    if (taken === "username") throw new ConflictError("Username is already taken", "username_taken");
    throw error;
  }
}

/** Creates the user with a first session, and queues the verification email. */
export async function signup(input: SignupInput, now = Date.now(), client: ClientInfo = {}): Promise<Session> {
  const user = signupRecord(input, await hashPassword(input.password), now);
  const { record, refreshToken } = newSession(user, ["pwd"], now, client);
  await createUser(user, record, { userId: user.userId, type: "signup", at: now, sessionId: record.sid, ...client });
  await enqueueMailAfterChange({ type: "verification-requested", userId: user.userId }, now);
  return sessionResponse(user, record, refreshToken);
}

/** POST /auth/signup: with REQUIRE_VERIFIED_EMAIL no session is opened until the email is verified. */
export async function signupAnswer(input: SignupInput, now = Date.now(), client: ClientInfo = {}): Promise<SignupResult> {
  if (!config.requireVerifiedEmail) return signup(input, now, client);
  const user = signupRecord(input, await hashPassword(input.password), now);
  await createUser(user, undefined, { userId: user.userId, type: "signup", at: now, ...client });
  await enqueueMailAfterChange({ type: "verification-requested", userId: user.userId }, now);
  return { user: toUser(user) };
}
