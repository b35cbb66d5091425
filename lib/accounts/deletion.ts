/** DELETE /users/me: the caller's own account, after the current password (checked under the lockout, like a password change). */
import { deleteAccount } from "../admin/account-deletion.js";
import type { Actor } from "../admin/actor.js";
import { confirmCurrentPassword } from "../methods/password/password-check.js";

export async function deleteMyAccount(actor: Actor, currentPassword: string, now = Date.now()): Promise<void> {
  const user = await confirmCurrentPassword(actor.userId, currentPassword, now, { client: actor.client });
  await deleteAccount(actor.userId, actor, { byAdmin: false }, now, user);
}
