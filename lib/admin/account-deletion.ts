/**
 * Deleting an account, by its owner (accounts/deletion.ts, after the current
 * password) or by an admin: the user item, its uniqueness claims (its email
 * and username are free for a new signup), its outstanding email tokens, its
 * second factor, recovery codes, passkeys and linked identities' claims, and its lockout counter in one
 * transaction with `account_deleted`, then its
 * sessions. Its audit events stay until they expire.
 */
import { auditEventPut, type AuditEvent } from "../audit/event-store.js";
import { accountLockoutKey } from "../methods/lockout/lockout.js";
import { signinFailuresDelete } from "../methods/lockout/lockout-store.js";
import { recoveryCodesDelete } from "../methods/recovery-codes/recovery-code-store.js";
import { passkeyDeleteAny } from "../methods/passkeys/passkey-store.js";
import { identityClaimDeletes } from "../methods/providers/identity-store.js";
import { totpDelete } from "../methods/totp/totp-store.js";
import { oneTimeTokenDelete } from "../one-time-tokens/one-time-token-store.js";
import { deleteSessionsOf } from "../sessions/session-store.js";
import { USER_ACCOUNT_FIELDS, enabledAdminCheck, userDeleteItems, type UserRecord } from "../users/user-store.js";
import { existingUser } from "../users/users.js";
import { commit } from "./account-writes.js";
import { actorEvent, failed, selfProtection, type Actor, type WriteOutcome } from "./actor.js";

/**
 * One transaction, conditioned on the user item being the one read (`user`):
 * a claim or token written since would otherwise outlive it. "changed" asks
 * the caller to read again and retry. With `actorId` (an admin deleting
 * another account) the admin is checked too; `refuseAdmin` (self-deletion)
 * requires the user not to be an admin at commit.
 */
export async function deleteUserItems(user: UserRecord, event: AuditEvent, options: { actorId?: string; refuseAdmin?: boolean }): Promise<WriteOutcome> {
  const items = [
    ...userDeleteItems(user, { refuseAdmin: options.refuseAdmin }),
    ...[user.resetTokenHash, user.verifyTokenHash, user.emailChangeTokenHash].filter((hash): hash is string => typeof hash === "string").map(oneTimeTokenDelete),
    signinFailuresDelete(accountLockoutKey(user.userId)),
    totpDelete(user.userId),
    recoveryCodesDelete(user.userId),
    ...[...(user.passkeyIds ?? [])].map(passkeyDeleteAny),
    ...identityClaimDeletes(user.identities),
    ...(options.actorId ? [enabledAdminCheck(options.actorId)] : []),
    auditEventPut(event),
  ];
  const actorAt = options.actorId ? items.length - 2 : undefined;
  return commit(items, { targetAt: 0, actorAt, onTarget: "changed" });
}

/** Deletes `userId`'s account; `read` is the user item when the caller already read it. */
export async function deleteAccount(userId: string, actor: Actor, options: { byAdmin: boolean }, now: number, read?: UserRecord): Promise<void> {
  let user = read;
  for (let attempt = 1; ; attempt++) {
    user ??= await existingUser(userId, USER_ACCOUNT_FIELDS);
    if (!options.byAdmin && user.roles.includes("admin")) throw selfProtection();
    const outcome = await deleteUserItems(user, actorEvent(userId, "account_deleted", actor, now), {
      ...(options.byAdmin ? { actorId: actor.userId } : { refuseAdmin: true }),
    });
    if (outcome === "done") break;
    if (outcome !== "changed" || attempt >= 3) failed(outcome);
    user = undefined; // changed since read: read again
  }
  await deleteSessionsOf(userId);
}
