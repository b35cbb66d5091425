/**
 * The caller's passkeys: registration (options, then the verified
 * credential), the list, renaming and removal. Registering when the user has
 * a second factor needs a multi-factor session, and so does removing one
 * (methods/mfa/step-up.ts); the last way to sign in cannot be removed (409
 * last_sign_in_method). Adding and removing record `passkey_added` and
 * `passkey_removed` in the same transaction; adding one also emails the owner.
 */
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { auditEventPut } from "../audit/event-store.js";
import type { ClientInfo } from "../http/client-info.js";
import { enqueueMailAfterChange } from "../mail/queue.js";
import { requireMultiFactor } from "../methods/mfa/step-up.js";
import { newChallenge, spendChallenge } from "../methods/passkeys/challenge-store.js";
import { getPasskeys, passkeyDelete, passkeyPut, renamePasskey, type PasskeyRecord } from "../methods/passkeys/passkey-store.js";
import { creationOptions, verifyRegistration } from "../methods/passkeys/webauthn.js";
import { conditionFailedAt, isTransactionCanceled } from "../platform/dynamodb.js";
import { BadRequestError, ConflictError, NotFoundError } from "../platform/errors.js";
import { transactWrite } from "../platform/transactions.js";
import { passkeyAddedUpdate, passkeyRemovedUpdate } from "../users/credential-store.js";
import { USER_PASSKEY_FIELDS, getUser, type UserRecord } from "../users/user-store.js";

/** Who asks: the caller, and whether their session is multi-factor. */
export interface PasskeyCaller {
  userId: string;
  multiFactor: boolean;
  client: ClientInfo;
}

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

async function existingUser(userId: string): Promise<UserRecord> {
  const user = await getUser(userId, USER_PASSKEY_FIELDS);
  if (!user) throw new NotFoundError("User not found");
  return user;
}

/** POST /users/me/passkeys/options: creation options with a fresh challenge, the user's passkeys excluded. */
export async function passkeyRegistrationOptions(caller: PasskeyCaller, now = Date.now()): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await existingUser(caller.userId);
  requireMultiFactor(user, caller.multiFactor);
  const [existing, challenge] = await Promise.all([getPasskeys(user.passkeyIds ?? []), newChallenge({ ceremony: "registration", userId: user.userId }, now)]);
  return creationOptions(user, existing, challenge);
}

/** POST /users/me/passkeys: the verified credential becomes one of the user's passkeys. */
export async function registerPasskey(
  caller: PasskeyCaller,
  input: { response: RegistrationResponseJSON; name?: string },
  now = Date.now(),
): Promise<Passkey> {
  const user = await existingUser(caller.userId);
  requireMultiFactor(user, caller.multiFactor);
  const credential = await verifyRegistration(input.response, (challenge) => spendChallenge(challenge, { ceremony: "registration", userId: user.userId }, now));
  if (!credential) {
    throw new BadRequestError("The passkey could not be verified: start again", [{ field: "response", problem: "does not verify" }]);
  }
  const record: PasskeyRecord = { ...credential, userId: user.userId, name: input.name ?? "Passkey", createdAt: now };
  try {
    await transactWrite([
      passkeyPut(record),
      passkeyAddedUpdate(user.userId, record.credentialId),
      auditEventPut({ userId: user.userId, type: "passkey_added", at: now, method: "passkey", ...caller.client }),
    ]);
  } catch (error) {
    if (isTransactionCanceled(error) && conditionFailedAt(error, 0)) throw new ConflictError("This passkey is already registered", "already_registered");
    throw error;
  }
  await enqueueMailAfterChange({ type: "passkey-added", userId: user.userId }, now);
  return toPasskey(record);
}

/** GET /users/me/passkeys: the user's passkeys, oldest first. */
export async function listPasskeys(userId: string): Promise<Passkey[]> {
  const user = await existingUser(userId);
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
export async function removePasskey(caller: PasskeyCaller, credentialId: string, now = Date.now()): Promise<void> {
  const user = await existingUser(caller.userId);
  if (!user.passkeyIds?.has(credentialId)) throw notFound();
  requireMultiFactor(user, caller.multiFactor);
  const lastWayIn = () => new ConflictError("This passkey is your only way to sign in: set a password or add another passkey first", "last_sign_in_method");
  if (user.passwordless && user.passkeyIds.size <= 1) throw lastWayIn();
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
