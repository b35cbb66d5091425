/**
 * What an admin may do to users: list and find them, change their roles,
 * disable or enable them, reset their second factor, delete them. Plain inputs (validated by input.ts)
 * and plain outputs; the self-protection rule is in actor.ts.
 */
import { cursorKey, nextCursor } from "../http/list-paging.js";
import type { UserListParams } from "../http/list-params.js";
import type { Role } from "../users/roles.js";
import { queryUsers } from "../users/user-list.js";
import { USER_ACCOUNT_FIELDS, findUserIdByEmail, getUsers } from "../users/user-store.js";
import { existingUser, toUser, userById, type User } from "../users/users.js";
import { deleteAccount } from "./account-deletion.js";
import { enqueueMailAfterChange } from "../mail/queue.js";
import { writeDisabled, writeMfaReset, writeRoles } from "./account-writes.js";
import { actorEvent, failed, selfProtection, type Actor } from "./actor.js";

/** Users newest first, or the one user with `email` (a keyed read of the email claim: at most one, never a cursor). */
export async function listUsers(params: UserListParams): Promise<{ users: User[]; nextCursor?: string }> {
  if (params.email !== undefined) {
    // A cursor only ever continues the full list: with an email there is nothing to continue.
    if (params.cursor !== undefined) await cursorKey(params.cursor, "users:email");
    const userId = await findUserIdByEmail(params.email);
    const found = userId === undefined ? [] : await getUsers([userId]);
    return { users: found.map(toUser) };
  }
  const startKey = await cursorKey(params.cursor, "users");
  const page = await queryUsers(params.limit, startKey);
  // The index gives the order; the users table gives each user with every field of User (the index
  // projects fewer, and a projection cannot change in place). 50 users cost ~25 RCU more a page (BENCHMARKS.md).
  const found = new Map((await getUsers(page.items.map((item) => String(item.userId)))).map((user) => [user.userId, user]));
  const users = page.items.flatMap((item) => {
    const user = found.get(String(item.userId));
    return user ? [toUser(user)] : [];
  });
  return { users, ...(await nextCursor(page.lastKey, "users")) };
}

/** Replaces a user's roles (admin); the new roles reach the user's access tokens at the authorizer's next read. */
export async function changeRoles(actor: Actor, userId: string, roles: Role[], now = Date.now()): Promise<User> {
  if (actor.userId === userId && !roles.includes("admin")) throw selfProtection();
  const outcome = await writeRoles(actor.userId, userId, roles, actorEvent(userId, "roles_changed", actor, now));
  if (outcome !== "done") failed(outcome);
  return userById(userId);
}

/** Disables (ending every session at once) or enables another user's account (admin). */
export async function setDisabled(actor: Actor, userId: string, disabled: boolean, now = Date.now()): Promise<User> {
  if (actor.userId === userId) throw selfProtection();
  const outcome = await writeDisabled(actor.userId, userId, disabled, now, actorEvent(userId, disabled ? "disabled" : "enabled", actor, now));
  if (outcome !== "done") failed(outcome);
  return userById(userId);
}

/** DELETE /users/{id}/mfa: every second factor of another user removed, its sessions ended, the owner told. */
export async function resetMfa(actor: Actor, userId: string, now = Date.now()): Promise<void> {
  if (actor.userId === userId) throw selfProtection();
  const user = await existingUser(userId, USER_ACCOUNT_FIELDS);
  const outcome = await writeMfaReset(actor.userId, userId, user.passkeyIds ?? [], now, actorEvent(userId, "mfa_reset", actor, now));
  if (outcome !== "done") failed(outcome);
  await enqueueMailAfterChange({ type: "mfa-reset", userId }, now);
}

export async function deleteUserAsAdmin(actor: Actor, userId: string, now = Date.now()): Promise<void> {
  if (actor.userId === userId) throw selfProtection();
  await deleteAccount(userId, actor, { byAdmin: true }, now);
}
