/**
 * Registering a passkey for the caller: creation options with a fresh
 * challenge (the user's passkeys excluded), then the verified credential
 * stored with `passkey_added` in one transaction, and a notice to the owner.
 * When the user has a second factor, both steps need a multi-factor session
 * (methods/mfa/step-up.ts); both check that the caller's session is still
 * live (the authorizer's answer may be cached), and the write is conditioned
 * on the user as read, so an ended session cannot add a way in. Apart from the list and removal
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
import { BadRequestError, ConflictError, UnauthorizedError } from "../platform/errors.js";
import { transactWrite } from "../platform/transactions.js";
import { requireLiveSession } from "../sessions/sessions.js";
import { MAX_PASSKEYS, passkeyAddedUpdate } from "../users/credential-store.js";
import { USER_METHOD_FIELDS, type UserRecord } from "../users/user-store.js";
import { existingUser } from "../users/users.js";
import type { CallerOnDevice } from "../http/caller.js";
import { toPasskey, type Passkey } from "./passkey-settings.js";

const tooMany = () =>
  new BadRequestError(`A user may have at most ${MAX_PASSKEYS} passkeys: remove one first`, [{ field: "response", problem: "is one passkey too many" }]);

/** The caller, who may register a passkey: multi-factor when it has a second factor, and its session still live. */
async function registeringUser(caller: CallerOnDevice, now: number): Promise<UserRecord> {
  const user = await existingUser(caller.userId, USER_METHOD_FIELDS);
  requireMultiFactor(user, caller.multiFactor);
  await requireLiveSession(caller.sid, user, now);
  return user;
}

/** POST /users/me/passkeys/options: creation options with a fresh challenge, the user's passkeys excluded. */
export async function passkeyRegistrationOptions(caller: CallerOnDevice, now = Date.now()): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await registeringUser(caller, now);
  const [existing, challenge] = await Promise.all([getPasskeys(user.passkeyIds ?? []), newChallenge({ ceremony: "registration", userId: user.userId }, now)]);
  return creationOptions(user, existing, challenge);
}

/** POST /users/me/passkeys: the verified credential becomes one of the user's passkeys. */
export async function registerPasskey(
  caller: CallerOnDevice,
  input: { response: RegistrationResponseJSON; name?: string },
  now = Date.now(),
): Promise<Passkey> {
  const user = await registeringUser(caller, now);
  if ((user.passkeyIds?.size ?? 0) >= MAX_PASSKEYS) throw tooMany();
  const credential = await verifyRegistration(input.response, (challenge) => spendChallenge(challenge, { ceremony: "registration", userId: user.userId }, now));
  if (!credential) {
    throw new BadRequestError("The passkey could not be verified: start again", [{ field: "response", problem: "does not verify" }]);
  }
  const record: PasskeyRecord = { ...credential, userId: user.userId, name: input.name ?? "Passkey", createdAt: now };
  try {
    await transactWrite([
      passkeyPut(record),
      // Only while the user is as read (no session ended since the check) and has room for one more.
      passkeyAddedUpdate(user, record.credentialId),
      auditEventPut({ userId: user.userId, type: "passkey_added", at: now, method: "passkey", ...caller.client }),
    ]);
  } catch (error) {
    if (isTransactionCanceled(error) && conditionFailedAt(error, 0)) throw new ConflictError("This passkey is already registered", "already_registered");
    if (isTransactionCanceled(error) && conditionFailedAt(error, 1)) {
      // Full, or the user changed since the session was checked: which one, the user as it is now says.
      const current = await existingUser(user.userId, USER_METHOD_FIELDS);
      if ((current.sessionVersion ?? 0) === (user.sessionVersion ?? 0) && !current.disabled) throw tooMany();
      throw new UnauthorizedError("The session has ended: sign in again");
    }
    throw error;
  }
  await enqueueMailAfterChange({ type: "passkey-added", userId: user.userId }, now);
  return toPasskey(record);
}

