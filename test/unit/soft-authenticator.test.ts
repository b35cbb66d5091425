// The software authenticator of the tests (test/helpers/soft-authenticator.ts), proven against an
// independent WebAuthn verifier, @simplewebauthn/server: what it makes verifies, and each forgery
// it can make is refused (or reported) as the WebAuthn Level 3 relying-party steps (§7.1
// registration, §7.2 authentication) require.
import { createPublicKey, verify } from "node:crypto";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  type WebAuthnCredential,
} from "@simplewebauthn/server";
import { decodeAttestationObject, decodeClientDataJSON, isoCBOR, parseAuthenticatorData } from "@simplewebauthn/server/helpers";
import { describe, expect, it } from "vitest";
import { cborEncode, SoftAuthenticator, type CborValue } from "../helpers/soft-authenticator.js";

const RP_ID = "example.com";
const ORIGIN = "https://app.example.com";
const ZERO_AAGUID = "00000000-0000-0000-0000-000000000000";

// --- The relying party, as the server would drive @simplewebauthn/server ------------------------

async function registrationOptions(userName = "ada@example.com", excludeCredentials: { id: string }[] = []) {
  return generateRegistrationOptions({
    rpName: "Example",
    rpID: RP_ID,
    userName,
    attestationType: "none",
    excludeCredentials,
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    supportedAlgorithmIDs: [-7, -257],
  });
}

function verifyRegistration(
  response: RegistrationResponseJSON,
  options: PublicKeyCredentialCreationOptionsJSON,
  requireUserVerification = true,
) {
  return verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification,
    supportedAlgorithmIDs: [-7, -257],
  });
}

/** Registers a passkey on `authenticator` and answers what the server would store. */
async function registered(authenticator: SoftAuthenticator, userName = "ada@example.com") {
  const options = await registrationOptions(userName);
  const response = authenticator.register(options);
  const verification = await verifyRegistration(response, options);
  if (!verification.verified) throw new Error("registration did not verify");
  return { options, response, credential: verification.registrationInfo.credential };
}

const signInOptions = (allowCredentials: { id: string }[] = []) =>
  generateAuthenticationOptions({ rpID: RP_ID, allowCredentials, userVerification: "required" });

function verifyAssertion(
  response: AuthenticationResponseJSON,
  options: PublicKeyCredentialRequestOptionsJSON,
  credential: WebAuthnCredential,
  requireUserVerification = true,
) {
  return verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    requireUserVerification,
  });
}

/** A forged assertion must not pass: either the verifier throws or it answers verified false. */
async function refused(verification: Promise<{ verified: boolean }>) {
  const outcome = await verification.then((v) => v.verified, () => false);
  expect(outcome).toBe(false);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

// --- CBOR (RFC 8949) ------------------------------------------------------------------------

describe("CBOR encoder", () => {
  // RFC 8949 Appendix A, "Examples of Encoded CBOR Data Items".
  it.each<[CborValue, string]>([
    [0, "00"],
    [23, "17"],
    [24, "1818"],
    [100, "1864"],
    [1000, "1903e8"],
    [1000000, "1a000f4240"],
    [4294967296, "1b0000000100000000"],
    [18446744073709551615n, "1bffffffffffffffff"],
    [-1, "20"],
    [-10, "29"],
    [-100, "3863"],
    [-1000, "3903e7"],
    [false, "f4"],
    [true, "f5"],
    [null, "f6"],
    [new Uint8Array([]), "40"],
    [new Uint8Array([1, 2, 3, 4]), "4401020304"],
    ["", "60"],
    ["a", "6161"],
    ["IETF", "6449455446"],
    ["\u00fc", "62c3bc"],
    ["\u6c34", "63e6b0b4"],
    [[], "80"],
    [[1, 2, 3], "83010203"],
    [[1, [2, 3], [4, 5]], "8301820203820405"],
    [{}, "a0"],
    [new Map([[1, 2], [3, 4]]), "a201020304"],
    [{ a: 1, b: [2, 3] }, "a26161016162820203"],
    [["a", { b: "c" }], "826161a161626163"],
  ])("encodes %o as %s", (value, expected) => {
    expect(cborEncode(value).toString("hex")).toBe(expected);
  });

  it("orders map keys canonically (CTAP 2.1 §8: shorter encoding first, then bytewise)", () => {
    const attestation = cborEncode({ authData: new Uint8Array([1]), fmt: "none", attStmt: {} });
    expect([...(isoCBOR.decodeFirst(new Uint8Array(attestation)) as Map<string, unknown>).keys()]).toEqual(["fmt", "attStmt", "authData"]);
    const cose = cborEncode(new Map<CborValue, CborValue>([[-3, 0], [-1, 1], [3, -7], [-2, 0], [1, 2]]));
    expect([...(isoCBOR.decodeFirst(new Uint8Array(cose)) as Map<number, unknown>).keys()]).toEqual([1, 3, -1, -2, -3]);
  });

  it("refuses floats and duplicate keys", () => {
    expect(() => cborEncode(1.5)).toThrow();
    expect(() => cborEncode(new Map<CborValue, CborValue>([[1, 1], [1n, 2]]))).toThrow("duplicate");
  });
});

// --- Registration (WebAuthn §7.1) -------------------------------------------------------------

describe("registration", () => {
  it("verifies: attestation none, ES256, user verified, and the credential id and public key round-trip", async () => {
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const options = await registrationOptions();
    const response = authenticator.register(options);
    const verification = await verifyRegistration(response, options);

    expect(verification.verified).toBe(true);
    const info = verification.registrationInfo!;
    expect(info).toMatchObject({
      fmt: "none",
      aaguid: ZERO_AAGUID,
      userVerified: true,
      credentialDeviceType: "singleDevice",
      credentialBackedUp: false,
      origin: ORIGIN,
      rpID: RP_ID,
    });
    const [held] = authenticator.credentials();
    expect(held).toMatchObject({ id: response.id, rpId: RP_ID, userHandle: options.user.id, signCount: 0, alg: -7 });
    expect(info.credential.id).toBe(response.id);
    expect(info.credential.counter).toBe(0);
    expect(hex(info.credential.publicKey)).toBe(hex(held!.publicKey));

    // The COSE_Key (RFC 9053 §7.1.1): EC2, ES256, P-256, and the same point as the SPKI of getPublicKey().
    const coseKey = isoCBOR.decodeFirst(info.credential.publicKey) as Map<number, unknown>;
    expect([coseKey.get(1), coseKey.get(3), coseKey.get(-1)]).toEqual([2, -7, 1]);
    expect(response.response.publicKeyAlgorithm).toBe(-7);
    const spki = createPublicKey({ key: Buffer.from(response.response.publicKey!, "base64url"), format: "der", type: "spki" });
    const jwk = spki.export({ format: "jwk" });
    expect(hex(coseKey.get(-2) as Uint8Array)).toBe(Buffer.from(jwk.x!, "base64url").toString("hex"));
    expect(hex(coseKey.get(-3) as Uint8Array)).toBe(Buffer.from(jwk.y!, "base64url").toString("hex"));

    // The attestation object (§6.5.4, §8.7) and the client data (§5.8.1) as a verifier reads them.
    const attestation = decodeAttestationObject(Buffer.from(response.response.attestationObject, "base64url"));
    expect(attestation.get("fmt")).toBe("none");
    expect(attestation.get("attStmt").size).toBe(0);
    expect(hex(attestation.get("authData"))).toBe(Buffer.from(response.response.authenticatorData!, "base64url").toString("hex"));
    const authData = parseAuthenticatorData(attestation.get("authData"));
    expect(authData.flags).toMatchObject({ up: true, uv: true, be: false, bs: false, at: true, ed: false });
    expect(decodeClientDataJSON(response.response.clientDataJSON)).toEqual({
      type: "webauthn.create",
      challenge: options.challenge,
      origin: ORIGIN,
      crossOrigin: false,
    });
    expect(response).toMatchObject({ type: "public-key", rawId: response.id, authenticatorAttachment: "platform" });
    expect(response.response.transports).toEqual(["internal"]);
  });

  it("reports its AAGUID and, for a synced passkey, backup eligibility and state", async () => {
    const aaguid = "fbfc3007-154e-4ecc-8c0b-6e020557d7bd";
    const authenticator = new SoftAuthenticator({ origin: ORIGIN, aaguid, backupEligible: true, signCount: "zero" });
    const options = await registrationOptions();
    const verification = await verifyRegistration(authenticator.register(options), options);
    expect(verification.registrationInfo).toMatchObject({ aaguid, credentialDeviceType: "multiDevice", credentialBackedUp: true });
  });

  it("refuses to make a second credential that excludeCredentials names (InvalidStateError), as a browser does", async () => {
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const { response } = await registered(authenticator);
    const again = await registrationOptions("ada@example.com", [{ id: response.id }]);
    expect(() => authenticator.register(again)).toThrow(expect.objectContaining({ name: "InvalidStateError" }));
    // Another device of the same user may.
    const other = new SoftAuthenticator({ origin: ORIGIN });
    expect((await verifyRegistration(other.register(again), again)).verified).toBe(true);
    // A forgery can reuse an id already registered (the server must answer 409 already_registered).
    const forged = other.register(again, { credentialId: response.id, ignoreExcludeCredentials: true });
    expect(forged.id).toBe(response.id);
    expect((await verifyRegistration(forged, again)).registrationInfo?.credential.id).toBe(response.id);
  });

  it("keeps one discoverable credential per RP ID and user handle (CTAP 2.1 §6.1.2), several users side by side", async () => {
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const ada = await registrationOptions("ada@example.com");
    authenticator.register(ada);
    const second = authenticator.register(ada); // no excludeCredentials: replaces the first
    await registered(authenticator, "bob@example.com");
    expect(authenticator.credentials().map((c) => [c.id === second.id, c.userName])).toEqual([
      [true, "ada@example.com"],
      [false, "bob@example.com"],
    ]);
  });

  it("makes ES256 only, and checks the RP ID against the origin, as a browser does", async () => {
    const options = await registrationOptions();
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    expect(() => authenticator.register({ ...options, pubKeyCredParams: [{ type: "public-key", alg: -257 }] })).toThrow(
      expect.objectContaining({ name: "NotSupportedError" }),
    );
    const elsewhere = new SoftAuthenticator({ origin: "https://example.org" });
    expect(() => elsewhere.register(options)).toThrow(expect.objectContaining({ name: "SecurityError" }));
    // Without an origin, the origin is https://<RP ID>.
    const plain = new SoftAuthenticator();
    expect(decodeClientDataJSON(plain.register(options).response.clientDataJSON).origin).toBe("https://example.com");
  });

  describe("forgeries", () => {
    const forge = async (overrides: Parameters<SoftAuthenticator["register"]>[1]) => {
      const authenticator = new SoftAuthenticator({ origin: ORIGIN });
      const options = await registrationOptions();
      const response = authenticator.register(options, overrides);
      return { authenticator, options, response };
    };

    it("wrong origin: throws, and the authenticator does not keep the credential", async () => {
      const { authenticator, options, response } = await forge({ origin: "https://evil.example.net" });
      await expect(verifyRegistration(response, options)).rejects.toThrow(/origin/);
      expect(authenticator.credentials()).toEqual([]);
    });

    it("wrong RP ID (hash): throws", async () => {
      const { options, response } = await forge({ rpId: "evil.example.net" });
      await expect(verifyRegistration(response, options)).rejects.toThrow(/RP ID/);
    });

    it("a challenge of our choosing: throws", async () => {
      const { options, response } = await forge({ challenge: Buffer.from("mine").toString("base64url") });
      await expect(verifyRegistration(response, options)).rejects.toThrow(/challenge/);
    });

    it("the type of the other ceremony: throws", async () => {
      const { options, response } = await forge({ type: "webauthn.get" });
      await expect(verifyRegistration(response, options)).rejects.toThrow(/type/);
    });

    it("user not present: throws", async () => {
      const { options, response } = await forge({ flags: { up: false } });
      await expect(verifyRegistration(response, options)).rejects.toThrow(/present/);
    });

    it("user not verified: throws when verification is required, else reports it", async () => {
      const { options, response } = await forge({ flags: { uv: false } });
      await expect(verifyRegistration(response, options)).rejects.toThrow(/verif/);
      const relaxed = await verifyRegistration(response, options, false);
      expect(relaxed.registrationInfo?.userVerified).toBe(false);
    });

    it("an algorithm the server did not offer: throws", async () => {
      const { options, response } = await forge({ alg: -8 });
      await expect(verifyRegistration(response, options)).rejects.toThrow(/alg/);
    });
  });
});

// --- Authentication (WebAuthn §7.2) -----------------------------------------------------------

describe("authentication", () => {
  it("verifies a discoverable credential with the stored public key and counter, the counter increasing", async () => {
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const { options: creation, credential } = await registered(authenticator);

    const options = await signInOptions();
    const response = authenticator.authenticate(options);
    expect(response.response.userHandle).toBe(creation.user.id);
    expect(response.id).toBe(credential.id);
    expect(decodeClientDataJSON(response.response.clientDataJSON)).toEqual({
      type: "webauthn.get",
      challenge: options.challenge,
      origin: ORIGIN,
      crossOrigin: false,
    });
    const first = await verifyAssertion(response, options, credential);
    expect(first).toMatchObject({
      verified: true,
      authenticationInfo: { credentialID: credential.id, newCounter: 1, userVerified: true, origin: ORIGIN, rpID: RP_ID },
    });

    // The signature is the DER ECDSA one over authenticatorData || SHA-256(clientDataJSON) (§6.3.3),
    // as node's own verifier sees it with the SPKI key.
    const spki = createPublicKey(authenticator.publicKeyPem(credential.id));
    const clientDataHash = await crypto.subtle.digest("SHA-256", Buffer.from(response.response.clientDataJSON, "base64url"));
    const signed = Buffer.concat([Buffer.from(response.response.authenticatorData, "base64url"), Buffer.from(clientDataHash)]);
    expect(verify("sha256", signed, spki, Buffer.from(response.response.signature, "base64url"))).toBe(true);

    const next = await signInOptions();
    const second = await verifyAssertion(authenticator.authenticate(next), next, { ...credential, counter: first.authenticationInfo.newCounter });
    expect(second).toMatchObject({ verified: true, authenticationInfo: { newCounter: 2 } });
    expect(authenticator.credentials()[0]!.signCount).toBe(2);
  });

  it("answers with the credential allowCredentials lists (the second-factor step), or the one named", async () => {
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const ada = await registered(authenticator, "ada@example.com");
    const bob = await registered(authenticator, "bob@example.com");

    const forAda = await signInOptions([{ id: ada.credential.id }]);
    const response = authenticator.authenticate(forAda);
    expect(response.id).toBe(ada.credential.id);
    expect(response.response.userHandle).toBe(ada.options.user.id);
    expect((await verifyAssertion(response, forAda, ada.credential)).verified).toBe(true);

    // An empty allowCredentials: the most recent discoverable credential, unless one is named.
    const any = await signInOptions();
    expect(authenticator.authenticate(any).id).toBe(bob.credential.id);
    expect(authenticator.authenticate(any, { credentialId: ada.credential.id }).id).toBe(ada.credential.id);
  });

  it("has nothing to answer with for another RP or unknown credentials (NotAllowedError)", async () => {
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    await registered(authenticator);
    const options = await signInOptions([{ id: Buffer.from("unknown").toString("base64url") }]);
    expect(() => authenticator.authenticate(options)).toThrow(expect.objectContaining({ name: "NotAllowedError" }));
    const elsewhere = new SoftAuthenticator({ origin: "https://example.org" });
    expect(() => elsewhere.authenticate({ challenge: options.challenge, rpId: "example.org" })).toThrow(
      expect.objectContaining({ name: "NotAllowedError" }),
    );
  });

  describe("forgeries", () => {
    async function setUp(authenticatorOptions: ConstructorParameters<typeof SoftAuthenticator>[0] = {}) {
      const authenticator = new SoftAuthenticator({ origin: ORIGIN, ...authenticatorOptions });
      const { options: creation, credential } = await registered(authenticator);
      const options = await signInOptions();
      return { authenticator, creation, credential, options };
    }

    it("wrong origin: throws", async () => {
      const { authenticator, credential, options } = await setUp();
      const response = authenticator.authenticate(options, { origin: "https://evil.example.net" });
      await expect(verifyAssertion(response, options, credential)).rejects.toThrow(/origin/);
    });

    it("wrong RP ID (hash): throws", async () => {
      const { authenticator, credential, options } = await setUp();
      const response = authenticator.authenticate(options, { rpId: "evil.example.net" });
      await expect(verifyAssertion(response, options, credential)).rejects.toThrow(/RP ID/);
    });

    it("a challenge of our choosing (or an old one): throws", async () => {
      const { authenticator, credential, options } = await setUp();
      const response = authenticator.authenticate(options, { challenge: Buffer.from("mine").toString("base64url") });
      await expect(verifyAssertion(response, options, credential)).rejects.toThrow(/challenge/);
    });

    it("the type of the other ceremony: throws", async () => {
      const { authenticator, credential, options } = await setUp();
      const response = authenticator.authenticate(options, { type: "webauthn.create" });
      await expect(verifyAssertion(response, options, credential)).rejects.toThrow(/type/);
    });

    it("cross-origin from another top origin: throws", async () => {
      const { authenticator, credential, options } = await setUp();
      const response = authenticator.authenticate(options, { crossOrigin: true, topOrigin: "https://evil.example.net" });
      await expect(verifyAssertion(response, options, credential)).rejects.toThrow(/origin/);
    });

    it("tampered signature: verified false (or throws)", async () => {
      const { authenticator, credential, options } = await setUp();
      await refused(verifyAssertion(authenticator.authenticate(options, { tamperSignature: true }), options, credential));
    });

    it("user not present: throws", async () => {
      const { authenticator, credential, options } = await setUp();
      const response = authenticator.authenticate(options, { userPresent: false });
      await expect(verifyAssertion(response, options, credential)).rejects.toThrow(/present/);
    });

    it("user not verified: throws when verification is required, else reports it", async () => {
      const { authenticator, credential, options } = await setUp();
      const response = authenticator.authenticate(options, { userVerified: false });
      await expect(verifyAssertion(response, options, credential)).rejects.toThrow(/verif/);
      const relaxed = await verifyAssertion(response, options, credential, false);
      expect(relaxed).toMatchObject({ verified: true, authenticationInfo: { userVerified: false } });
      // An authenticator that cannot verify users never sets UV.
      const weak = new SoftAuthenticator({ origin: ORIGIN, userVerification: false });
      const creation = await registrationOptions();
      const made = await verifyRegistration(weak.register(creation), creation, false);
      expect(made.registrationInfo?.userVerified).toBe(false);
      const weakResponse = weak.authenticate(options);
      await expect(verifyAssertion(weakResponse, options, made.registrationInfo!.credential)).rejects.toThrow(/verif/);
    });

    it("counter regression: throws when the stored and presented counters are non-zero and not increasing", async () => {
      const { authenticator, credential, options } = await setUp();
      const stored = { ...credential, counter: 5 };
      await expect(verifyAssertion(authenticator.authenticate(options, { signCount: 3 }), options, stored)).rejects.toThrow(/counter/);
      await expect(verifyAssertion(authenticator.authenticate(options, { signCount: 5 }), options, stored)).rejects.toThrow(/counter/);
      const forward = await verifyAssertion(authenticator.authenticate(options, { signCount: 6 }), options, stored);
      expect(forward).toMatchObject({ verified: true, authenticationInfo: { newCounter: 6 } });
      // An explicit counter leaves the authenticator's own alone (still 0: it has only signed with explicit ones).
      expect(authenticator.credentials()[0]!.signCount).toBe(0);
    });

    it("a zero counter (synced passkeys) passes, every time", async () => {
      const { authenticator, credential, options } = await setUp({ signCount: "zero", backupEligible: true });
      for (let i = 0; i < 3; i++) {
        const fresh = i === 0 ? options : await signInOptions();
        const verification = await verifyAssertion(authenticator.authenticate(fresh), fresh, credential);
        expect(verification).toMatchObject({
          verified: true,
          authenticationInfo: { newCounter: 0, credentialDeviceType: "multiDevice", credentialBackedUp: true },
        });
      }
    });

    it("for the server: @simplewebauthn refuses a zero counter once a non-zero one is stored (the contract accepts it)", async () => {
      // WebAuthn §7.2 step 22 flags any non-increasing counter when either is non-zero; the contract
      // ("when stored and presented counters are both non-zero") lets a presented 0 pass. A server
      // using verifyAuthenticationResponse must pass counter 0 in that case to follow the contract.
      const { authenticator, credential, options } = await setUp();
      const response = authenticator.authenticate(options, { signCount: 0 });
      await expect(verifyAssertion(response, options, { ...credential, counter: 7 })).rejects.toThrow(/counter/);
      expect((await verifyAssertion(response, options, { ...credential, counter: 0 })).verified).toBe(true);
    });

    it("another user's userHandle: the signature still verifies, so the server must match credential and user", async () => {
      const { authenticator, credential, options } = await setUp();
      const victim = Buffer.from("victim-user-id").toString("base64url");
      const response = authenticator.authenticate(options, { userHandle: victim });
      expect(response.response.userHandle).toBe(victim);
      expect((await verifyAssertion(response, options, credential)).verified).toBe(true);
      expect("userHandle" in authenticator.authenticate(options, { userHandle: null }).response).toBe(false);
    });

    it("another user's credential id, signed with our own key: does not verify with that credential's key", async () => {
      const victimDevice = new SoftAuthenticator({ origin: ORIGIN });
      const { credential: victimCredential } = await registered(victimDevice, "victim@example.com");
      const { authenticator, options } = await setUp();
      const response = authenticator.authenticate(options, { claimCredentialId: victimCredential.id });
      expect([response.id, response.rawId]).toEqual([victimCredential.id, victimCredential.id]);
      await refused(verifyAssertion(response, options, victimCredential));
    });
  });
});
