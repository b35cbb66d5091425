/**
 * The WebAuthn ceremonies, verified by @simplewebauthn/server (FIDO-conformant):
 * the options we send, and what a response must prove. Options and responses
 * are the WebAuthn Level 3 JSON forms. The relying party and the origins come
 * from config (WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS, checked at cold start).
 * Every check of a response is here; the challenge it names is spent by the
 * caller's `spend` (challenge-store.ts) as part of the verification.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { config } from "../../platform/config.js";
import type { PasskeyRecord } from "./passkey-store.js";
import { CHALLENGE_TTL_SECONDS } from "./challenge-store.js";

/** ES256 and RS256 (COSE), as the contract offers: what platform authenticators and security keys make. */
const ALGORITHMS = [-7, -257];
const TIMEOUT_MS = CHALLENGE_TTL_SECONDS * 1000;

/** The user handle of our passkeys: the user's id, as bytes (WebAuthn's `user.id`); the assertion's `userHandle` is its base64url. */
export const userHandleOf = (userId: string) => new TextEncoder().encode(userId);
export const userIdOfHandle = (userHandle: string) => Buffer.from(userHandle, "base64url").toString("utf8");

/** As bytes: the library base64url-encodes a string challenge's UTF-8, and the options must carry ours as is. */
const challengeBytes = (challenge: string) => new Uint8Array(Buffer.from(challenge, "base64url"));

export async function creationOptions(
  user: { userId: string; email: string; name?: string },
  existing: PasskeyRecord[],
  challenge: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: config.appName,
    rpID: config.webauthn.rpId,
    userID: userHandleOf(user.userId),
    userName: user.email,
    userDisplayName: user.name ?? user.email,
    challenge: challengeBytes(challenge),
    timeout: TIMEOUT_MS,
    attestationType: "none",
    excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports as never })),
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
    supportedAlgorithmIDs: ALGORITHMS,
  });
}

export async function requestOptions(allow: PasskeyRecord[], challenge: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: config.webauthn.rpId,
    challenge: challengeBytes(challenge),
    timeout: TIMEOUT_MS,
    userVerification: "required",
    allowCredentials: allow.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports as never })),
  });
}

/** The transports WebAuthn defines: anything else a client sends is dropped, not stored and sent back. */
const TRANSPORTS = new Set(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);

function transportsOf(response: RegistrationResponseJSON): string[] | undefined {
  const sent: unknown = response.response.transports;
  if (!Array.isArray(sent)) return undefined;
  const known = [...new Set(sent.filter((transport): transport is string => typeof transport === "string" && TRANSPORTS.has(transport)))];
  return known.length > 0 ? known : undefined;
}

/** What a verified registration stores. */
export type NewCredential = Pick<PasskeyRecord, "credentialId" | "publicKey" | "counter" | "transports" | "backedUp" | "deviceType">;

/**
 * Verifies a registration: challenge (spent through `spend`), origin, RP ID
 * hash, user presence and the algorithm; attestation `none` is accepted.
 * Undefined when it does not verify.
 */
export async function verifyRegistration(response: RegistrationResponseJSON, spend: (challenge: string) => Promise<boolean>): Promise<NewCredential | undefined> {
  try {
    const { verified, registrationInfo } = await verifyRegistrationResponse({
      response,
      expectedChallenge: spend,
      expectedOrigin: config.webauthn.origins,
      expectedRPID: config.webauthn.rpId,
      requireUserVerification: false,
      supportedAlgorithmIDs: ALGORITHMS,
    });
    if (!verified) return undefined;
    const { credential, credentialBackedUp, credentialDeviceType } = registrationInfo;
    // WebAuthn L3 7.1: a credential id is at most 1023 bytes; the id the authenticator data holds is the one stored.
    if (Buffer.from(credential.id, "base64url").length > 1023 || credential.id !== response.id) return undefined;
    return {
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString("base64url"),
      counter: credential.counter,
      ...(transportsOf(response) && { transports: transportsOf(response) }),
      backedUp: credentialBackedUp,
      deviceType: credentialDeviceType,
    };
  } catch {
    // A malformed or forged response: the library throws; the caller answers one error for all.
    return undefined;
  }
}

/** The signature counter an assertion presents (authenticator data bytes 33-36, big-endian). */
function presentedCounter(response: AuthenticationResponseJSON): number | undefined {
  const encoded: unknown = response.response?.authenticatorData;
  if (typeof encoded !== "string") return undefined;
  const data = Buffer.from(encoded, "base64url");
  return data.length >= 37 ? data.readUInt32BE(33) : undefined;
}

/**
 * Verifies an assertion of `passkey`: challenge (spent through `spend`),
 * origin, RP ID hash, user presence and verification, the signature, and the
 * counter: when both the stored and the presented counter are non-zero, the
 * presented one must be greater (synced passkeys always present 0).
 * Undefined when it does not verify; else the new counter and backup state.
 */
export async function verifyAssertion(
  response: AuthenticationResponseJSON,
  passkey: PasskeyRecord,
  spend: (challenge: string) => Promise<boolean>,
): Promise<{ counter: number; backedUp: boolean } | undefined> {
  const presented = presentedCounter(response);
  if (presented === undefined) return undefined;
  try {
    const { verified, authenticationInfo } = await verifyAuthenticationResponse({
      response,
      expectedChallenge: spend,
      expectedOrigin: config.webauthn.origins,
      expectedRPID: config.webauthn.rpId,
      requireUserVerification: true,
      // The library refuses any counter not above the stored one when either is non-zero; a 0 presented
      // by a synced passkey is no regression, so it is checked against 0 (the contract's rule).
      credential: {
        id: passkey.credentialId,
        publicKey: Buffer.from(passkey.publicKey, "base64url"),
        counter: presented === 0 ? 0 : passkey.counter,
        ...(passkey.transports && { transports: passkey.transports }),
      },
    });
    if (!verified) return undefined;
    return { counter: Math.max(authenticationInfo.newCounter, passkey.counter), backedUp: authenticationInfo.credentialBackedUp };
  } catch {
    return undefined;
  }
}
