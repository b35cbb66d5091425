/** DELETE /users/me: the caller's own account, after the current password (checked under the lockout, like a password change) and, for a user with a second factor, from a multi-factor session. */
import { deleteAccount } from "../admin/account-deletion.js";
import type { Actor } from "../admin/actor.js";
import { requireMultiFactor } from "../methods/mfa/step-up.js";
import { confirmCurrentPassword } from "../methods/password/password-check.js";

export async function deleteMyAccount(actor: Actor, currentPassword: string, now = Date.now(), options: { multiFactor?: boolean } = {}): Promise<void> {
  const user = await confirmCurrentPassword(actor.userId, currentPassword, now, {
    client: actor.client,
    before: (read) => requireMultiFactor(read, options.multiFactor === true),
  });
  await deleteAccount(actor.userId, actor, { byAdmin: false }, now, user);
}
