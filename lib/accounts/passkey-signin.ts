/**
 * Signin with a passkey (POST /auth/passkeys/options, /auth/passkeys/verify):
 *
 * - alone: request options for a discoverable credential; the assertion's
 *   `userHandle` names the user, whose passkey it must be. A user-verified
 *   passkey is two factors in one (something you have, unlocked by something
 *   you know or are): the session's `amr` is ["hwk", "mfa"], and no second step follows;
 * - as the second step of a signin that answered 403 mfa_required: the
 *   options list that user's passkeys, and the session adds `hwk` and `mfa`
 *   to the first factor's `amr`.
 *
 * The challenge is spent as the response is verified, bound to its ceremony;
 * the session opens in one transaction with the passkey's new counter (only
 * if it is still the one verified against) and, for a second step, the
 * spending of the mfaToken. Every failure is one 401 invalid_passkey.
 */
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { USER_ID_PATTERN } from "../http/checker.js";
import type { ClientInfo } from "../http/client-info.js";
import { pendingSecondStepConsume } from "../methods/mfa/mfa-token-store.js";
import { invalidMfaToken, pendingStepOf } from "../methods/mfa/pending-step.js";
import { newChallenge, spendChallenge, type Ceremony } from "../methods/passkeys/challenge-store.js";
import { getPasskey, getPasskeys, passkeyUsedUpdate } from "../methods/passkeys/passkey-store.js";
import { requestOptions, userIdOfHandle, verifyAssertion } from "../methods/passkeys/webauthn.js";
import { UnauthorizedError } from "../platform/errors.js";
import type { TransactItem } from "../platform/transactions.js";
import type { AuthenticationMethod } from "../sessions/session-store.js";
import { startSession, type Session } from "../sessions/sessions.js";
import { USER_METHOD_FIELDS, getUser } from "../users/user-store.js";
import { refuseAccountState } from "./signin.js";

export const invalidPasskey = () => new UnauthorizedError("The passkey could not be verified", "invalid_passkey");

/** POST /auth/passkeys/options: `{}` for a discoverable passkey, `{ mfaToken }` for the second step. */
export async function passkeySigninOptions(input: { mfaToken?: string }, now = Date.now()): Promise<PublicKeyCredentialRequestOptionsJSON> {
  if (input.mfaToken === undefined) return requestOptions([], await newChallenge({ ceremony: "signin" }, now));
  const step = await pendingStepOf(input.mfaToken, now, USER_METHOD_FIELDS);
  const passkeys = await getPasskeys(step.user.passkeyIds ?? []);
  // An empty list would mean "any discoverable passkey": a user without passkeys has no such step.
  if (passkeys.length === 0) throw invalidPasskey();
  return requestOptions(passkeys, await newChallenge({ ceremony: "second-step", mfaTokenHash: step.hash }, now));
}

/** POST /auth/passkeys/verify: the session, or 401. */
export async function verifyPasskeySignin(
  input: { response: AuthenticationResponseJSON; mfaToken?: string },
  now = Date.now(),
  client: ClientInfo = {},
): Promise<Session> {
  const step = input.mfaToken === undefined ? undefined : await pendingStepOf(input.mfaToken, now, USER_METHOD_FIELDS);
  // Whose passkey it must be: the user the mfaToken names, or the one the authenticator says (userHandle).
  const sent: unknown = input.response.response?.userHandle;
  // Ours are user ids (webauthn.ts `userHandleOf`); anything else names no one.
  const decoded = typeof sent === "string" && sent !== "" && sent.length <= 128 ? userIdOfHandle(sent) : undefined;
  const userHandle = decoded !== undefined && USER_ID_PATTERN.test(decoded) ? decoded : undefined;
  if (typeof sent === "string" && sent !== "" && userHandle === undefined) throw invalidPasskey();
  const claimedUserId = step ? step.user.userId : userHandle;
  // A second step's assertion may leave the handle out; one that names someone else is refused.
  if (claimedUserId === undefined || (step && userHandle !== undefined && userHandle !== step.user.userId)) throw invalidPasskey();
  const [passkey, user] = await Promise.all([
    getPasskey(input.response.id),
    step ? step.user : getUser(claimedUserId, USER_METHOD_FIELDS),
  ]);
  if (!passkey || !user || passkey.userId !== claimedUserId || !user.passkeyIds?.has(passkey.credentialId)) throw invalidPasskey();

  const ceremony: Ceremony = step ? { ceremony: "second-step", mfaTokenHash: step.hash } : { ceremony: "signin" };
  const verified = await verifyAssertion(input.response, passkey, (challenge) => spendChallenge(challenge, ceremony, now));
  if (!verified) throw invalidPasskey();
  // Only after the proof, so that a disabled account tells a guesser nothing.
  refuseAccountState(user);

  const amr = [...new Set<AuthenticationMethod>([...(step?.pending.amr ?? []), "hwk", "mfa"])];
  const spends: TransactItem[] = [passkeyUsedUpdate(passkey, verified.counter, verified.backedUp, now), ...(step ? [pendingSecondStepConsume(step.hash, now)] : [])];
  return startSession(
    { ...user, ...(step && { sessionVersion: step.pending.sessionVersion }) },
    { amr, method: step ? step.pending.method : "passkey" },
    now,
    client,
    { spends, refusal: step ? invalidMfaToken : invalidPasskey },
  );
}
