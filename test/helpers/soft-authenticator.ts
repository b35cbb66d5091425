// A software WebAuthn authenticator (and the bit of browser around it) for the tests, written from
// the specifications rather than with a WebAuthn library, so that the server is checked against an
// independent implementation:
//   - W3C Web Authentication Level 3 ("WebAuthn"): client data (§5.8.1), authenticator data (§6.1),
//     attested credential data (§6.5.1), attestation objects (§6.5.4), the "none" attestation
//     format (§8.7), assertion signatures (§6.3.3, §6.5.5), the JSON forms (§5.1, RegistrationResponseJSON,
//     AuthenticationResponseJSON).
//   - FIDO CTAP 2.1: authenticatorMakeCredential (§6.1.2) and authenticatorGetAssertion (§6.2.2):
//     excluded credentials, discoverable credentials, overwriting one per (RP ID, user handle).
//   - COSE (RFC 9052 §7, RFC 9053 §2.1 and §7.1.1): the EC2 P-256 public key with alg ES256.
//   - CBOR (RFC 8949 §3) in the CTAP2 canonical form (CTAP 2.1 §8, "Message Encoding").
// @simplewebauthn is used for types only; the unit test uses it as the independent verifier.
//
// Every credential is an ES256 (ECDSA P-256 with SHA-256) key made by node:crypto, discoverable
// (a passkey: it stores the user handle), attested with "none". Overrides let a test forge what a
// genuine authenticator would never send, to check that the server refuses it.
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";

// ---------------------------------------------------------------------------------------------
// CBOR (RFC 8949 §3): unsigned and negative integers, byte and text strings, arrays, maps,
// booleans and null; maps in the CTAP2 canonical order (keys sorted by the length of their
// encoding, then bytewise, as RFC 7049 §3.9 and CTAP 2.1 §8 require).
// ---------------------------------------------------------------------------------------------

export type CborValue =
  | number
  | bigint
  | string
  | Uint8Array
  | boolean
  | null
  | CborValue[]
  | Map<CborValue, CborValue>
  | { [key: string]: CborValue };

/** The initial byte and argument of a data item (RFC 8949 §3.1): major type in the top 3 bits. */
function cborHead(major: number, argument: number | bigint): Buffer {
  const n = BigInt(argument);
  if (n < 0n || n > 0xffff_ffff_ffff_ffffn) throw new RangeError(`CBOR argument out of range: ${n}`);
  const type = major << 5;
  if (n < 24n) return Buffer.from([type | Number(n)]);
  if (n <= 0xffn) return Buffer.from([type | 24, Number(n)]);
  if (n <= 0xffffn) {
    const b = Buffer.alloc(3);
    b[0] = type | 25;
    b.writeUInt16BE(Number(n), 1);
    return b;
  }
  if (n <= 0xffff_ffffn) {
    const b = Buffer.alloc(5);
    b[0] = type | 26;
    b.writeUInt32BE(Number(n), 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = type | 27;
  b.writeBigUInt64BE(n, 1);
  return b;
}

/** Encodes a value as CBOR (CTAP2 canonical form). Numbers must be integers: floats are not needed. */
export function cborEncode(value: CborValue): Buffer {
  if (typeof value === "number" || typeof value === "bigint") {
    if (typeof value === "number" && !Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${value}`);
    const n = BigInt(value);
    // Major type 0 (unsigned integer) or 1 (negative integer, argument -1 - n).
    return n >= 0n ? cborHead(0, n) : cborHead(1, -1n - n);
  }
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value]); // major 2, byte string
  if (typeof value === "string") {
    const utf8 = Buffer.from(value, "utf8");
    return Buffer.concat([cborHead(3, utf8.length), utf8]); // major 3, text string
  }
  if (Array.isArray(value)) return Buffer.concat([cborHead(4, value.length), ...value.map(cborEncode)]); // major 4
  if (value === false) return Buffer.from([0xf4]); // major 7, simple values 20, 21, 22
  if (value === true) return Buffer.from([0xf5]);
  if (value === null) return Buffer.from([0xf6]);
  // Major type 5, map. A Map keeps integer keys (COSE); a plain object has text keys.
  const entries: [CborValue, CborValue][] = value instanceof Map ? [...value.entries()] : Object.entries(value);
  const encoded = entries.map(([k, v]) => [cborEncode(k), cborEncode(v)] as const);
  encoded.sort(([a], [b]) => a.length - b.length || Buffer.compare(a, b));
  for (let i = 1; i < encoded.length; i++) {
    if (encoded[i - 1]![0].equals(encoded[i]![0])) throw new TypeError("CBOR map with a duplicate key");
  }
  return Buffer.concat([cborHead(5, encoded.length), ...encoded.flat()]);
}

// ---------------------------------------------------------------------------------------------
// COSE_Key (RFC 9052 §7; EC2 parameters RFC 9053 §7.1.1): { 1 (kty): 2 (EC2), 3 (alg): -7 (ES256),
// -1 (crv): 1 (P-256), -2 (x): 32 bytes, -3 (y): 32 bytes }, as WebAuthn §6.5.1.1 shows.
// ---------------------------------------------------------------------------------------------

export const COSE_ALG_ES256 = -7;

export function coseEc2PublicKey(publicKey: KeyObject, alg: number = COSE_ALG_ES256): Buffer {
  const jwk = publicKey.export({ format: "jwk" });
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || !jwk.x || !jwk.y) throw new TypeError("not a P-256 public key");
  return cborEncode(
    new Map<CborValue, CborValue>([
      [1, 2],
      [3, alg],
      [-1, 1],
      [-2, Buffer.from(jwk.x, "base64url")],
      [-3, Buffer.from(jwk.y, "base64url")],
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// Authenticator data (WebAuthn §6.1): rpIdHash (32) || flags (1) || signCount (4, big-endian)
// || attestedCredentialData (§6.5.1: aaguid (16) || credentialIdLength (2) || credentialId
// || credentialPublicKey (COSE_Key)), present only when AT is set.
// Flags: bit 0 UP (user present), bit 2 UV (user verified), bit 3 BE (backup eligible),
// bit 4 BS (backed up), bit 6 AT (attested credential data), bit 7 ED (extension data).
// ---------------------------------------------------------------------------------------------

export interface AuthenticatorFlags {
  /** User present (bit 0). */
  up: boolean;
  /** User verified (bit 2). */
  uv: boolean;
  /** Backup eligible (bit 3): a multi-device, synced credential (§6.1.3). */
  be: boolean;
  /** Backed up (bit 4); only meaningful with BE. */
  bs: boolean;
}

export interface AttestedCredentialData {
  aaguid: Uint8Array;
  credentialId: Uint8Array;
  credentialPublicKey: Uint8Array;
}

export function authenticatorData(params: {
  rpId: string;
  flags: AuthenticatorFlags;
  signCount: number;
  attestedCredentialData?: AttestedCredentialData;
}): Buffer {
  const { rpId, flags, signCount, attestedCredentialData: attested } = params;
  const rpIdHash = createHash("sha256").update(rpId, "utf8").digest();
  const flagsByte =
    (flags.up ? 0x01 : 0) | (flags.uv ? 0x04 : 0) | (flags.be ? 0x08 : 0) | (flags.bs ? 0x10 : 0) | (attested ? 0x40 : 0);
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(signCount >>> 0);
  const parts: Uint8Array[] = [rpIdHash, Buffer.from([flagsByte]), counter];
  if (attested) {
    if (attested.aaguid.length !== 16) throw new TypeError("an AAGUID is 16 bytes");
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(attested.credentialId.length);
    parts.push(attested.aaguid, idLength, attested.credentialId, attested.credentialPublicKey);
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// Client data (WebAuthn §5.8.1 CollectedClientData), serialized as §5.8.1.1 does: type,
// challenge, origin, crossOrigin in this order, then topOrigin when crossOrigin is true.
// ---------------------------------------------------------------------------------------------

export function clientDataJSON(params: {
  type: string;
  challenge: string;
  origin: string;
  crossOrigin?: boolean;
  topOrigin?: string;
}): Buffer {
  const data: Record<string, unknown> = {
    type: params.type,
    challenge: params.challenge,
    origin: params.origin,
    crossOrigin: params.crossOrigin ?? false,
  };
  if (params.topOrigin !== undefined) data.topOrigin = params.topOrigin;
  return Buffer.from(JSON.stringify(data), "utf8");
}

// ---------------------------------------------------------------------------------------------
// The authenticator.
// ---------------------------------------------------------------------------------------------

const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const fromB64u = (text: string) => Buffer.from(text, "base64url");

/** A DOMException as the browser would reject navigator.credentials.create()/get() with. */
const domError = (name: string, message: string) => new DOMException(message, name);

function aaguidBytes(aaguid: string | Uint8Array | undefined): Buffer {
  if (aaguid === undefined) return Buffer.alloc(16); // all zeros: "none" attestation hides the model
  const bytes = typeof aaguid === "string" ? Buffer.from(aaguid.replace(/-/g, ""), "hex") : Buffer.from(aaguid);
  if (bytes.length !== 16) throw new TypeError("an AAGUID is 16 bytes (or a UUID string)");
  return bytes;
}

export interface SoftAuthenticatorOptions {
  /** The origin the "browser" reports (default: https://<RP ID> of each ceremony). */
  origin?: string;
  /** The authenticator model, 16 bytes or a UUID string (default: all zeros). */
  aaguid?: string | Uint8Array;
  /** "increment": a per-credential counter, 1 on the first assertion; "zero": always 0, as synced passkeys (default "increment"). */
  signCount?: "increment" | "zero";
  /** Whether the authenticator verifies the user (PIN, biometrics) and sets UV (default true). */
  userVerification?: boolean;
  /** New credentials are backup eligible, multi-device (BE; default false). */
  backupEligible?: boolean;
  /** New backup-eligible credentials are backed up (BS; default: backupEligible). */
  backedUp?: boolean;
  /** Transports reported on registration (default ["internal"]). */
  transports?: string[];
  /** authenticatorAttachment reported (default "platform"). */
  attachment?: "platform" | "cross-platform";
}

/** A credential the authenticator holds (a copy: changing it changes nothing). */
export interface SoftCredential {
  /** Credential id, base64url. */
  id: string;
  rpId: string;
  /** The user handle (user.id of the creation options), base64url. */
  userHandle: string;
  userName: string;
  /** The credential public key as a COSE_Key (what a server stores; WebAuthnCredential.publicKey). */
  publicKey: Uint8Array<ArrayBuffer>;
  /** The COSE algorithm claimed in the key (-7 unless a registration override said otherwise). */
  alg: number;
  privateKey: KeyObject;
  /** The authenticator's current counter for this credential. */
  signCount: number;
  backupEligible: boolean;
  backedUp: boolean;
}

export interface RegisterOverrides {
  /** clientDataJSON.origin. */
  origin?: string;
  /** The RP ID whose SHA-256 goes in the authenticator data (rpIdHash). */
  rpId?: string;
  /** clientDataJSON.type (genuine: "webauthn.create"). */
  type?: string;
  /** clientDataJSON.challenge (genuine: options.challenge). */
  challenge?: string;
  crossOrigin?: boolean;
  topOrigin?: string;
  /** Flags in the authenticator data (genuine: UP, UV per the authenticator, BE/BS per its options). */
  flags?: Partial<AuthenticatorFlags>;
  /** The COSE alg claimed in the public key (the key stays P-256): to offer an algorithm the server did not ask for. */
  alg?: number;
  /** Use this credential id (base64url) instead of 16 random bytes: e.g. one already registered by someone else. */
  credentialId?: string;
  /** Store this user handle (base64url) instead of options.user.id. */
  userHandle?: string;
  /** Counter in the authenticator data (genuine: 0). */
  signCount?: number;
  /** Make the credential even if options.excludeCredentials names one this authenticator holds. */
  ignoreExcludeCredentials?: boolean;
  /**
   * Keep the credential for later assertions. Default: true, except when the response is forged
   * (origin, rpId, type, challenge, crossOrigin, topOrigin, alg, credentialId, userHandle, or flags.up false):
   * a server must refuse those, and keeping one would overwrite the user's genuine credential here.
   */
  remember?: boolean;
}

export interface AuthenticateOverrides {
  /** Answer with this stored credential (base64url id), whatever allowCredentials says. Throws if not held. */
  credentialId?: string;
  /** Sign with the chosen credential but present this id (id and rawId): e.g. another user's credential. */
  claimCredentialId?: string;
  origin?: string;
  /** The RP ID whose SHA-256 goes in the authenticator data (credentials are still looked up by options.rpId). */
  rpId?: string;
  /** clientDataJSON.challenge (genuine: options.challenge). */
  challenge?: string;
  /** clientDataJSON.type (genuine: "webauthn.get"). */
  type?: string;
  crossOrigin?: boolean;
  topOrigin?: string;
  /** UP flag (default true). */
  userPresent?: boolean;
  /** UV flag (default: the authenticator's userVerification). */
  userVerified?: boolean;
  /** Other flags (BE, BS; up/uv here win over userPresent/userVerified). */
  flags?: Partial<AuthenticatorFlags>;
  /** Counter in the authenticator data; the credential's own counter is then left as it is. */
  signCount?: number;
  /** Flip a bit of the signature (it stays well-formed DER, but does not verify). */
  tamperSignature?: boolean;
  /** userHandle in the response (base64url); null leaves it out (genuine: the stored user handle). */
  userHandle?: string | null;
}

interface StoredCredential {
  id: Buffer;
  rpId: string;
  userHandle: Buffer;
  userName: string;
  publicKey: Buffer;
  alg: number;
  privateKey: KeyObject;
  signCount: number;
  backupEligible: boolean;
  backedUp: boolean;
}

export class SoftAuthenticator {
  readonly aaguid: Buffer;
  private readonly options: SoftAuthenticatorOptions;
  /** In registration order; discoverable credentials all (CTAP 2.1 §6.1.2, rk). */
  private readonly store: StoredCredential[] = [];

  constructor(options: SoftAuthenticatorOptions = {}) {
    this.options = options;
    this.aaguid = aaguidBytes(options.aaguid);
  }

  /**
   * navigator.credentials.create() with a platform authenticator (WebAuthn §5.1.3; CTAP 2.1 §6.1.2):
   * makes an ES256 P-256 discoverable credential for `options` (as the server answers them) and
   * answers the RegistrationResponseJSON, attestation "none". Throws a DOMException as a browser
   * would: InvalidStateError when excludeCredentials names a credential held here for this RP,
   * NotSupportedError when ES256 is not offered, SecurityError when the RP ID does not suit the origin.
   * A credential for an RP ID and user handle already held replaces that one (CTAP 2.1 §6.1.2).
   */
  register(options: PublicKeyCredentialCreationOptionsJSON, overrides: RegisterOverrides = {}): RegistrationResponseJSON {
    // §5.1.3: the RP ID defaults to the origin's effective domain, and must be a registrable
    // suffix of it. The overrides forge either on purpose, so the check is the honest client's only.
    const realRpId = options.rp.id ?? (this.options.origin ? new URL(this.options.origin).hostname : undefined);
    if (!realRpId) throw new TypeError("no RP ID: give options.rp.id or an origin");
    const origin = overrides.origin ?? this.originFor(realRpId);
    if (overrides.origin === undefined && overrides.rpId === undefined) this.checkRpId(realRpId, origin);
    const rpId = overrides.rpId ?? realRpId;

    // §5.1.3 step "pubKeyCredParams": an empty list means ES256 and RS256; we make ES256 only.
    const params = options.pubKeyCredParams ?? [];
    const es256Offered = params.length === 0 || params.some((p) => p.type === "public-key" && p.alg === COSE_ALG_ES256);
    if (!es256Offered && overrides.alg === undefined) {
      throw domError("NotSupportedError", "the authenticator supports ES256 (-7) only");
    }

    // CTAP 2.1 §6.1.2 step 7 (excludeList): a credential held for this RP is not made twice.
    if (!overrides.ignoreExcludeCredentials) {
      const excluded = new Set((options.excludeCredentials ?? []).map((c) => fromB64u(c.id).toString("hex")));
      if (this.store.some((c) => c.rpId === rpId && excluded.has(c.id.toString("hex")))) {
        throw domError("InvalidStateError", "the authenticator already holds a credential in excludeCredentials");
      }
    }

    // The key pair, and the COSE_Key of its public half (§6.5.1.1).
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const alg = overrides.alg ?? COSE_ALG_ES256;
    const cosePublicKey = coseEc2PublicKey(publicKey, alg);
    const credentialId = overrides.credentialId !== undefined ? fromB64u(overrides.credentialId) : randomBytes(16);
    const userHandle = fromB64u(overrides.userHandle ?? options.user.id);

    const backupEligible = this.options.backupEligible ?? false;
    const flags: AuthenticatorFlags = {
      up: true,
      uv: this.options.userVerification ?? true,
      be: backupEligible,
      bs: backupEligible && (this.options.backedUp ?? true),
      ...overrides.flags,
    };

    // §6.1 + §6.5.1: authenticator data with attested credential data (AT set).
    const authData = authenticatorData({
      rpId,
      flags,
      signCount: overrides.signCount ?? 0,
      attestedCredentialData: { aaguid: this.aaguid, credentialId, credentialPublicKey: cosePublicKey },
    });
    // §6.5.4 attestation object, §8.7 "none": { fmt: "none", attStmt: {}, authData }.
    const attestationObject = cborEncode({ fmt: "none", attStmt: {}, authData });
    // §5.8.1 client data.
    const clientData = clientDataJSON({
      type: overrides.type ?? "webauthn.create",
      challenge: overrides.challenge ?? options.challenge,
      origin,
      crossOrigin: overrides.crossOrigin,
      topOrigin: overrides.topOrigin,
    });

    const forged =
      overrides.origin !== undefined ||
      overrides.rpId !== undefined ||
      overrides.type !== undefined ||
      overrides.challenge !== undefined ||
      overrides.crossOrigin !== undefined ||
      overrides.topOrigin !== undefined ||
      overrides.alg !== undefined ||
      overrides.credentialId !== undefined ||
      overrides.userHandle !== undefined ||
      overrides.flags?.up === false;
    if (overrides.remember ?? !forged) {
      // CTAP 2.1 §6.1.2: a discoverable credential replaces one for the same RP ID and user handle.
      const same = this.store.findIndex((c) => c.rpId === rpId && c.userHandle.equals(userHandle));
      if (same >= 0) this.store.splice(same, 1);
      this.store.push({
        id: credentialId,
        rpId,
        userHandle,
        userName: options.user.name,
        publicKey: cosePublicKey,
        alg,
        privateKey,
        signCount: 0,
        backupEligible: flags.be,
        backedUp: flags.bs,
      });
    }

    // RegistrationResponseJSON (§5.1, AuthenticatorAttestationResponseJSON with the L3 getters:
    // getAuthenticatorData(), getPublicKey() as SubjectPublicKeyInfo DER, getPublicKeyAlgorithm()).
    const clientExtensionResults: Record<string, unknown> = {};
    if (options.extensions?.credProps) clientExtensionResults.credProps = { rk: true };
    const id = b64u(credentialId);
    return {
      id,
      rawId: id,
      type: "public-key",
      response: {
        clientDataJSON: b64u(clientData),
        attestationObject: b64u(attestationObject),
        authenticatorData: b64u(authData),
        transports: [...(this.options.transports ?? ["internal"])],
        publicKeyAlgorithm: alg,
        publicKey: b64u(publicKey.export({ format: "der", type: "spki" })),
      },
      authenticatorAttachment: this.options.attachment ?? "platform",
      clientExtensionResults,
    };
  }

  /**
   * navigator.credentials.get() (WebAuthn §5.1.4; CTAP 2.1 §6.2.2): picks a credential for
   * options.rpId (the origin's host when absent) — the one overrides.credentialId names; else the
   * most recently registered one that allowCredentials lists; else, for an empty allowCredentials,
   * the most recently registered discoverable one — and answers the AuthenticationResponseJSON
   * signed with ES256 over authenticatorData || SHA-256(clientDataJSON) (§6.3.3), DER-encoded
   * (§6.5.5). Throws NotAllowedError when no credential fits, as a browser would.
   */
  authenticate(options: PublicKeyCredentialRequestOptionsJSON, overrides: AuthenticateOverrides = {}): AuthenticationResponseJSON {
    const realRpId = options.rpId ?? (this.options.origin ? new URL(this.options.origin).hostname : undefined);
    if (!realRpId) throw new TypeError("no RP ID: give options.rpId or an origin");
    const origin = overrides.origin ?? this.originFor(realRpId);
    if (overrides.origin === undefined && overrides.rpId === undefined) this.checkRpId(realRpId, origin);

    const credential = this.select(realRpId, options, overrides.credentialId);

    // §6.1.1 signature counter: incremented by each assertion, or always 0 (synced passkeys).
    let signCount: number;
    if (overrides.signCount !== undefined) {
      signCount = overrides.signCount;
    } else {
      if (this.options.signCount !== "zero") credential.signCount += 1;
      signCount = credential.signCount;
    }

    const flags: AuthenticatorFlags = {
      up: overrides.userPresent ?? true,
      uv: overrides.userVerified ?? this.options.userVerification ?? true,
      be: credential.backupEligible,
      bs: credential.backedUp,
      ...overrides.flags,
    };
    // §6.1: authenticator data without attested credential data (AT clear).
    const authData = authenticatorData({ rpId: overrides.rpId ?? realRpId, flags, signCount });
    const clientData = clientDataJSON({
      type: overrides.type ?? "webauthn.get",
      challenge: overrides.challenge ?? options.challenge,
      origin,
      crossOrigin: overrides.crossOrigin,
      topOrigin: overrides.topOrigin,
    });

    // §6.3.3 step 11: the assertion signature over authenticatorData || clientDataHash; for ES256
    // an ASN.1 DER Ecdsa-Sig-Value (§6.5.5), which node's sign() yields with dsaEncoding "der".
    const clientDataHash = createHash("sha256").update(clientData).digest();
    const signature = sign("sha256", Buffer.concat([authData, clientDataHash]), { key: credential.privateKey, dsaEncoding: "der" });
    if (overrides.tamperSignature) signature[signature.length - 1] ^= 0x01; // the last byte of s: still valid DER

    const userHandle = overrides.userHandle === undefined ? b64u(credential.userHandle) : overrides.userHandle;
    const id = overrides.claimCredentialId ?? b64u(credential.id);
    return {
      id,
      rawId: id,
      type: "public-key",
      response: {
        clientDataJSON: b64u(clientData),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      authenticatorAttachment: this.options.attachment ?? "platform",
      clientExtensionResults: {},
    };
  }

  /** The credentials held, in registration order (copies). */
  credentials(): SoftCredential[] {
    return this.store.map((c) => ({
      id: b64u(c.id),
      rpId: c.rpId,
      userHandle: b64u(c.userHandle),
      userName: c.userName,
      publicKey: new Uint8Array(c.publicKey),
      alg: c.alg,
      privateKey: c.privateKey,
      signCount: c.signCount,
      backupEligible: c.backupEligible,
      backedUp: c.backedUp,
    }));
  }

  /** Removes a credential from the authenticator (as a user deleting a passkey on the device). */
  forget(credentialId: string): boolean {
    const index = this.store.findIndex((c) => c.id.equals(fromB64u(credentialId)));
    if (index >= 0) this.store.splice(index, 1);
    return index >= 0;
  }

  /** The public key of a held credential as SubjectPublicKeyInfo PEM (for debugging or other verifiers). */
  publicKeyPem(credentialId: string): string {
    const credential = this.store.find((c) => c.id.equals(fromB64u(credentialId)));
    if (!credential) throw new Error(`no credential ${credentialId}`);
    return createPublicKey(credential.privateKey).export({ format: "pem", type: "spki" }).toString();
  }

  private originFor(rpId: string): string {
    return this.options.origin ?? `https://${rpId}`;
  }

  /** §5.1.3 / §5.1.4: the RP ID must be the origin's host or a suffix of it on a label boundary. */
  private checkRpId(rpId: string, origin: string): void {
    const host = new URL(origin).hostname;
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      throw domError("SecurityError", `RP ID ${rpId} is not a registrable suffix of ${host}`);
    }
  }

  private select(rpId: string, options: PublicKeyCredentialRequestOptionsJSON, credentialId?: string): StoredCredential {
    if (credentialId !== undefined) {
      const named = this.store.find((c) => c.id.equals(fromB64u(credentialId)));
      if (!named) throw domError("NotAllowedError", `the authenticator holds no credential ${credentialId}`);
      return named;
    }
    const allowed = (options.allowCredentials ?? []).map((c) => fromB64u(c.id));
    const candidates = this.store.filter(
      (c) => c.rpId === rpId && (allowed.length === 0 || allowed.some((id) => id.equals(c.id))),
    );
    const chosen = candidates.at(-1);
    if (!chosen) throw domError("NotAllowedError", `the authenticator holds no fitting credential for ${rpId}`);
    return chosen;
  }
}
