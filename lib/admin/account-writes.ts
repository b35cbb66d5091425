/**
 * Writes that change an account's standing: its roles and whether it is
 * disabled. Each is one transaction with the audit event that records it, so
 * that no change happens without its event, and each made by an admin on
 * another account carries a check that the admin is still an enabled admin
 * when it commits (two admins demoting each other at once cannot both
 * succeed; actor.ts has the rule). The items come from users/user-store.ts.
 */
import { auditEventPut, type AuditEvent } from "../audit/event-store.js";
import { conditionFailedAt, isTransactionCanceled } from "../platform/dynamodb.js";
import { anyConditionFailed, transactWrite, type TransactItem } from "../platform/transactions.js";
import { recoveryCodesDelete } from "../methods/recovery-codes/recovery-code-store.js";
import { passkeyDeleteAny } from "../methods/passkeys/passkey-store.js";
import { totpDelete } from "../methods/totp/totp-store.js";
import { mfaDisabledUpdate } from "../users/credential-store.js";
import { disabledUpdate, enabledAdminCheck, rolesUpdate } from "../users/user-store.js";
import type { WriteOutcome } from "./actor.js";

/** Commits `items`; a failed condition on the target (`targetAt`) or the acting admin (`actorAt`) becomes an outcome. */
export async function commit(items: TransactItem[], reasons: { targetAt: number; actorAt?: number; onTarget: WriteOutcome }): Promise<WriteOutcome> {
  try {
    await transactWrite(items);
    return "done";
  } catch (error) {
    if (!isTransactionCanceled(error)) throw error;
    if (conditionFailedAt(error, reasons.targetAt)) return reasons.onTarget;
    if (reasons.actorAt !== undefined && conditionFailedAt(error, reasons.actorAt)) return "actor-not-admin";
    // Any other condition (a claim no longer pointing at the user) means the item moved on: read again.
    if (anyConditionFailed(error)) return "changed";
    throw error;
  }
}

/**
 * Replaces the user's roles. `actorId` is the admin making the change: on
 * another account it is checked in the same transaction; on their own, the
 * update itself requires that they are still an enabled admin.
 */
export async function writeRoles(actorId: string, userId: string, roles: string[], event: AuditEvent): Promise<WriteOutcome> {
  if (actorId === userId) {
    return commit([rolesUpdate(userId, roles, { requireEnabledAdmin: true }), auditEventPut(event)], { targetAt: 0, onTarget: "actor-not-admin" });
  }
  return commit([rolesUpdate(userId, roles), enabledAdminCheck(actorId), auditEventPut(event)], { targetAt: 0, actorAt: 1, onTarget: "no-user" });
}

/** Replaces the user's roles on the operator's word (`npm run grant-role`): no admin to check, the event all the same. */
export async function writeRolesByOperator(userId: string, roles: string[], event: AuditEvent): Promise<WriteOutcome> {
  return commit([rolesUpdate(userId, roles), auditEventPut(event)], { targetAt: 0, onTarget: "no-user" });
}

/**
 * Disables (ending every session: the user-level mark stops refresh and the
 * authorizer at once) or enables the account of another user.
 */
export async function writeDisabled(actorId: string, userId: string, disabled: boolean, now: number, event: AuditEvent): Promise<WriteOutcome> {
  return commit([disabledUpdate(userId, disabled, now), enabledAdminCheck(actorId), auditEventPut(event)], { targetAt: 0, actorAt: 1, onTarget: "no-user" });
}

/**
 * Removes every second factor of another user (TOTP, recovery codes and the
 * passkeys read, `passkeyIds`) and ends all of the user's sessions (the lost
 * device may hold one), while the actor is still an enabled admin.
 */
export async function writeMfaReset(actorId: string, userId: string, passkeyIds: Iterable<string>, now: number, event: AuditEvent): Promise<WriteOutcome> {
  return commit(
    [
      mfaDisabledUpdate(userId, now, { endSessions: true }),
      enabledAdminCheck(actorId),
      totpDelete(userId),
      recoveryCodesDelete(userId),
      ...[...passkeyIds].map(passkeyDeleteAny),
      auditEventPut(event),
    ],
    { targetAt: 0, actorAt: 1, onTarget: "no-user" },
  );
}
