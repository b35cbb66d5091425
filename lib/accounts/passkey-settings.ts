/**
 * The caller's passkeys: the list, renaming and removal (registration, which
 * needs the WebAuthn library, is passkey-registration.ts). Removing one needs
 * a multi-factor session when the user has a second factor
 * (methods/mfa/step-up.ts); the last way to sign in cannot be removed (409
 * last_sign_in_method). Removal records `passkey_removed` in its transaction.
 */
import { auditEventPut } from "../audit/event-store.js";
import type { CallerOnDevice } from "../http/caller.js";
import { requireMultiFactor } from "../methods/mfa/step-up.js";
import { getPasskeys, passkeyDelete, renamePasskey, type PasskeyRecord } from "../methods/passkeys/passkey-store.js";
import { conditionFailedAt, isTransactionCanceled } from "../platform/dynamodb.js";
import { ConflictError, NotFoundError } from "../platform/errors.js";
import { transactWrite } from "../platform/transactions.js";
import { passkeyRemovedUpdate } from "../users/credential-store.js";
import { USER_METHOD_FIELDS } from "../users/user-store.js";
import { existingUser } from "../users/users.js";

/** The contract's Passkey. */
export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt?: string;
  backedUp: boolean;
  transports?: string[];
}

export const toPasskey = (record: PasskeyRecord): Passkey => ({
  id: record.credentialId,
  name: record.name,
  createdAt: new Date(record.createdAt).toISOString(),
  ...(record.lastUsedAt !== undefined && { lastUsedAt: new Date(record.lastUsedAt).toISOString() }),
  backedUp: record.backedUp,
  ...(record.transports && { transports: record.transports }),
});

const notFound = () => new NotFoundError("Passkey not found");

/** GET /users/me/passkeys: the user's passkeys, oldest first. */
export async function listPasskeys(userId: string): Promise<Passkey[]> {
  const user = await existingUser(userId, USER_METHOD_FIELDS);
  return (await getPasskeys(user.passkeyIds ?? [])).map(toPasskey);
}

/** PATCH /users/me/passkeys/{id}: a new name; 404 for a passkey that is not the caller's. */
export async function renameOwnPasskey(userId: string, credentialId: string, name: string): Promise<Passkey> {
  if (!(await renamePasskey(credentialId, userId, name))) throw notFound();
  const [passkey] = await getPasskeys([credentialId]);
  if (!passkey) throw notFound();
  return toPasskey(passkey);
}

/** DELETE /users/me/passkeys/{id}: 404 when not the caller's; 409 last_sign_in_method when it is the only way in. */
export async function removePasskey(caller: CallerOnDevice, credentialId: string, now = Date.now()): Promise<void> {
  const user = await existingUser(caller.userId, USER_METHOD_FIELDS);
  if (!user.passkeyIds?.has(credentialId)) throw notFound();
  requireMultiFactor(user, caller.multiFactor);
  const lastWayIn = () => new ConflictError("This passkey is your only way to sign in: set a password or add another passkey first", "last_sign_in_method");
  if (user.passwordless && user.passkeyIds.size <= 1 && Object.keys(user.identities ?? {}).length === 0) throw lastWayIn();
  try {
    await transactWrite([
      passkeyRemovedUpdate(user.userId, credentialId),
      passkeyDelete(credentialId, user.userId),
      auditEventPut({ userId: user.userId, type: "passkey_removed", at: now, method: "passkey", ...caller.client }),
    ]);
  } catch (error) {
    // The list or the password changed meanwhile: what the condition says now decides.
    if (isTransactionCanceled(error) && conditionFailedAt(error, 0)) throw lastWayIn();
    if (isTransactionCanceled(error) && conditionFailedAt(error, 1)) throw notFound();
    throw error;
  }
}
