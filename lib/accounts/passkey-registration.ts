/**
 * Registering a passkey for the caller: creation options with a fresh
 * challenge (the user's passkeys excluded), then the verified credential
 * stored with `passkey_added` in one transaction, and a notice to the owner.
 * When the user has a second factor, both steps need a multi-factor session
 * (methods/mfa/step-up.ts). Apart from the list and removal
 * (passkey-settings.ts) so that only these functions carry the WebAuthn library.
 */
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { auditEventPut } from "../audit/event-store.js";
import { enqueueMailAfterChange } from "../mail/queue.js";
import { requireMultiFactor } from "../methods/mfa/step-up.js";
import { newChallenge, spendChallenge } from "../methods/passkeys/challenge-store.js";
import { getPasskeys, passkeyPut, type PasskeyRecord } from "../methods/passkeys/passkey-store.js";
import { creationOptions, verifyRegistration } from "../methods/passkeys/webauthn.js";
import { conditionFailedAt, isTransactionCanceled } from "../platform/dynamodb.js";
import { BadRequestError, ConflictError } from "../platform/errors.js";
import { transactWrite } from "../platform/transactions.js";
import { passkeyAddedUpdate } from "../users/credential-store.js";
import { existingUser, toPasskey, type Passkey, type PasskeyCaller } from "./passkey-settings.js";

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

