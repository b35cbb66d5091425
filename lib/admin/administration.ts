/**
 * Account administration: what an admin may do to users (list, find, change
 * roles, disable, delete), a user's own account deletion, and reading the
 * audit trail. Plain inputs (validated) and plain outputs.
 *
 * The self-protection rule: through the admin routes an admin cannot remove
 * their own admin role, disable themselves or delete themselves (409), and an
 * admin cannot delete their own account through DELETE /users/me either (409)
 * until another admin has removed their admin role. So an admin only ever
 * loses the role, the account or access through the act of another enabled
 * admin, who is checked in the same transaction (account-store.ts): the API
 * can never leave a stage without an enabled admin. (`npm run grant-role`
 * remains the operator's way in regardless.)
 */
import type { ClientInfo } from "../http/client-info.js";
import {
  deleteSessionsOf,
  deleteUserItems,
  writeDisabled,
  writeRoles,
  type StoredUser,
  type WriteOutcome,
} from "./account-writes.js";
import { ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError } from "../http/errors.js";
import { queryEvents, type AuditEvent, type Event, type EventType } from "../audit/event-store.js";
import { decodeCursor, encodeCursor } from "../http/list-cursor.js";
import type { ListParams, UserListParams } from "../http/list-params.js";
import type { Role } from "../users/roles.js";
import { serverKey } from "../platform/server-secret.js";
import * as store from "../users/user-store.js";
import { queryUsers } from "../users/user-list.js";
import { toUser, type User } from "../users/users.js";

/** Who acts: the caller as the authorizer verified it, and their device. */
export interface Actor {
  userId: string;
  sid: string;
  client: ClientInfo;
}

const SELF_PROTECTION = "An admin cannot remove their own admin role, disable or delete their own account; another admin must do it";

function event(userId: string, type: EventType, actor: Actor, now: number): AuditEvent {
  // The session that made the change, when it is the user's own (another admin's session means nothing to them).
  return { userId, type, at: now, ...(actor.userId === userId && { sessionId: actor.sid }), ...actor.client };
}

function failed(outcome: WriteOutcome): never {
  if (outcome === "no-user") throw new NotFoundError("User not found");
  if (outcome === "actor-not-admin") throw new ForbiddenError("You do not have the role this route requires");
  throw new ServiceUnavailableError();
}

async function userOrNotFound(userId: string): Promise<User> {
  const user = await store.getUser(userId);
  if (!user) throw new NotFoundError("User not found");
  return toUser(user);
}

export const getUserById = userOrNotFound;

// ---- lists ----------------------------------------------------------------

async function cursorKey(cursor: string | undefined, scope: string): Promise<Record<string, string> | undefined> {
  return cursor === undefined ? undefined : decodeCursor(cursor, scope, await serverKey("list-cursor"));
}

async function nextCursor(lastKey: Record<string, string> | undefined, scope: string): Promise<{ nextCursor?: string }> {
  return lastKey ? { nextCursor: encodeCursor(lastKey, scope, await serverKey("list-cursor")) } : {};
}

/** Users newest first, or the one user with `email` (a keyed read of the email claim: at most one, never a cursor). */
export async function listUsers(params: UserListParams): Promise<{ users: User[]; nextCursor?: string }> {
  if (params.email !== undefined) {
    // A cursor only ever continues the full list: with an email there is nothing to continue.
    if (params.cursor !== undefined) await cursorKey(params.cursor, "users:email");
    const user = await store.findUserByEmail(params.email);
    return { users: user ? [toUser(user)] : [] };
  }
  const startKey = await cursorKey(params.cursor, "users");
  const page = await queryUsers(params.limit, startKey);
  // The index projects exactly the User fields (user-list-store.ts), so its items read as users.
  const users = page.items.map((item) => toUser(store.withoutKey<store.UserRecord>(item)!));
  return { users, ...(await nextCursor(page.lastKey, "users")) };
}

/**
 * A user's events, newest first. The events of a deleted account stay
 * readable by an admin until they expire: an id with neither a user nor
 * events is a 404.
 */
export async function listEvents(userId: string, params: ListParams, options: { mustExist: boolean }, now = Date.now()) {
  const scope = `events:${userId}`;
  const startKey = await cursorKey(params.cursor, scope);
  const [page, user] = await Promise.all([
    queryEvents(userId, params.limit, now, startKey),
    options.mustExist && startKey === undefined ? store.getUser(userId) : undefined,
  ]);
  if (options.mustExist && startKey === undefined && !user && page.events.length === 0) throw new NotFoundError("User not found");
  return { events: page.events satisfies Event[], ...(await nextCursor(page.lastKey, scope)) };
}

// ---- changes --------------------------------------------------------------

/** Replaces a user's roles (admin); the new roles reach the user's access tokens at the authorizer's next read. */
export async function changeRoles(actor: Actor, userId: string, roles: Role[], now = Date.now()): Promise<User> {
  if (actor.userId === userId && !roles.includes("admin")) throw new ConflictError(SELF_PROTECTION);
  const outcome = await writeRoles(actor.userId, userId, roles, event(userId, "roles_changed", actor, now));
  if (outcome !== "done") failed(outcome);
  return userOrNotFound(userId);
}

/** Disables (ending every session at once) or enables another user's account (admin). */
export async function setDisabled(actor: Actor, userId: string, disabled: boolean, now = Date.now()): Promise<User> {
  if (actor.userId === userId) throw new ConflictError(SELF_PROTECTION);
  const outcome = await writeDisabled(actor.userId, userId, disabled, now, event(userId, disabled ? "disabled" : "enabled", actor, now));
  if (outcome !== "done") failed(outcome);
  return userOrNotFound(userId);
}

/**
 * Deletes an account: the user, its claims (its email and username are free
 * for a new signup), its email tokens, its lockout counter, then its sessions.
 * Its audit events stay until they expire, ending with `account_deleted`.
 */
async function deleteAccount(userId: string, actor: Actor, options: { byAdmin: boolean }, now: number, read?: StoredUser): Promise<void> {
  let user = read;
  for (let attempt = 1; ; attempt++) {
    user ??= (await store.getUser(userId)) as StoredUser | undefined;
    if (!user) throw new NotFoundError("User not found");
    if (!options.byAdmin && user.roles.includes("admin")) throw new ConflictError(SELF_PROTECTION);
    const outcome = await deleteUserItems(user, event(userId, "account_deleted", actor, now), {
      ...(options.byAdmin ? { actorId: actor.userId } : { refuseAdmin: true }),
    });
    if (outcome === "done") break;
    if (outcome !== "changed" || attempt >= 3) failed(outcome);
    user = undefined; // changed since read: read again
  }
  await deleteSessionsOf(userId);
}

export async function deleteUserAsAdmin(actor: Actor, userId: string, now = Date.now()): Promise<void> {
  if (actor.userId === userId) throw new ConflictError(SELF_PROTECTION);
  await deleteAccount(userId, actor, { byAdmin: true }, now);
}

/** The caller's own deletion, after accounts.ts checked the current password. */
export async function deleteOwnAccount(actor: Actor, user: StoredUser, now = Date.now()): Promise<void> {
  await deleteAccount(actor.userId, actor, { byAdmin: false }, now, user);
}
