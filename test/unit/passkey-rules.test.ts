// The passkey rules that need no database: the relying party's configuration (WEBAUTHN_RP_ID and
// WEBAUTHN_ORIGINS, checked at cold start), the route bodies (lib/methods/passkeys/input.ts), the
// user handle, the options, and the verification rules of lib/methods/passkeys/webauthn.ts (origin,
// RP ID, user presence and verification, signature, counter, challenge), driven by the software
// authenticator of the tests with a stand-in for the challenge store.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, describe, expect, it, vi } from "vitest";
import { spendChallenge } from "../../lib/methods/passkeys/challenge-store.js";
import {
  PASSKEY_NAME_MAX,
  isCredentialId,
  parsePasskeyAssertion,
  parsePasskeyOptionsRequest,
  parsePasskeyRegistration,
  parsePasskeyRename,
} from "../../lib/methods/passkeys/input.js";
import type { PasskeyRecord } from "../../lib/methods/passkeys/passkey-store.js";
import { creationOptions, requestOptions, userHandleOf, userIdOfHandle, verifyAssertion, verifyRegistration } from "../../lib/methods/passkeys/webauthn.js";
import { config } from "../../lib/platform/config.js";
import { HttpError } from "../../lib/platform/errors.js";
import { SoftAuthenticator, type AuthenticateOverrides } from "../helpers/soft-authenticator.js";

// ---- configuration ------------------------------------------------------------------------------

const WEBAUTHN_ENV = ["APP_URL", "WEBAUTHN_RP_ID", "WEBAUTHN_ORIGINS"] as const;
const configured = Object.fromEntries(WEBAUTHN_ENV.map((name) => [name, process.env[name]]));
afterAll(() => {
  for (const name of WEBAUTHN_ENV) {
    if (configured[name] === undefined) delete process.env[name];
    else process.env[name] = configured[name];
  }
  vi.resetModules();
});

async function loadConfigWith(env: Partial<Record<(typeof WEBAUTHN_ENV)[number], string>>) {
  vi.resetModules();
  for (const name of WEBAUTHN_ENV) {
    if (env[name] === undefined) delete process.env[name];
    else process.env[name] = env[name];
  }
  return (await import("../../lib/platform/config.js")).config;
}

describe("WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS", () => {
  it("default to APP_URL's host name and origin", async () => {
    expect((await loadConfigWith({ APP_URL: "https://app.example.com/" })).webauthn).toEqual({ rpId: "app.example.com", origins: ["https://app.example.com"] });
    expect((await loadConfigWith({ APP_URL: "https://app.example.com:8443/base/" })).webauthn).toEqual({
      rpId: "app.example.com",
      origins: ["https://app.example.com:8443"],
    });
    expect((await loadConfigWith({})).webauthn).toEqual({ rpId: "localhost", origins: ["http://localhost:4040"] });
  });

  it("take an RP ID that is a registrable suffix of every origin, and several origins", async () => {
    const loaded = await loadConfigWith({
      APP_URL: "https://app.example.com",
      WEBAUTHN_RP_ID: "example.com",
      WEBAUTHN_ORIGINS: "https://app.example.com, https://example.com,https://login.eu.example.com:8443",
    });
    expect(loaded.webauthn).toEqual({ rpId: "example.com", origins: ["https://app.example.com", "https://example.com", "https://login.eu.example.com:8443"] });
    expect((await loadConfigWith({ WEBAUTHN_RP_ID: "localhost", WEBAUTHN_ORIGINS: "http://localhost:5173" })).webauthn.origins).toEqual(["http://localhost:5173"]);
  });

  it.each([
    ["an RP ID that is not a suffix of the origin", { APP_URL: "https://app.example.com", WEBAUTHN_RP_ID: "example.org" }],
    ["an RP ID that ends the host but not on a label boundary", { APP_URL: "https://myexample.com", WEBAUTHN_RP_ID: "example.com" }],
    ["an RP ID longer than the host", { APP_URL: "https://example.com", WEBAUTHN_RP_ID: "app.example.com" }],
    ["an origin of another site among several", { APP_URL: "https://app.example.com", WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "https://app.example.com,https://example.com.evil.net" }],
    ["an http origin that is not localhost", { APP_URL: "http://app.example.com" }],
    ["an http origin with an explicit RP ID", { APP_URL: "https://app.example.com", WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "http://app.example.com" }],
    ["a string that is no URL", { WEBAUTHN_ORIGINS: "not an origin" }],
    ["a URL with a path (no origin)", { WEBAUTHN_ORIGINS: "http://localhost:4040/app" }],
    ["a URL with a trailing slash (no origin)", { WEBAUTHN_ORIGINS: "http://localhost:4040/" }],
  ])("refuse to load with %s", async (_, env) => {
    await expect(loadConfigWith(env)).rejects.toThrow(/WEBAUTHN/);
  });
});

// ---- route bodies ---------------------------------------------------------------------------------

const problemsOf = (parse: () => unknown): string[] | undefined => {
  try {
    parse();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ statusCode: 400, code: "invalid_request" });
    return (((error as HttpError).details.errors as { field: string }[] | undefined) ?? []).map((problem) => problem.field);
  }
};

const credential = (fields: Record<string, unknown> = {}) => ({
  id: "AAECAwQFBgcICQoLDA0ODw",
  rawId: "AAECAwQFBgcICQoLDA0ODw",
  type: "public-key",
  response: { clientDataJSON: "eyJ9", attestationObject: "o2Nm" },
  clientExtensionResults: {},
  ...fields,
});

describe("the passkey route bodies (input.ts)", () => {
  it("take a registration response with an optional name, trimmed", () => {
    expect(parsePasskeyRegistration({ response: credential() })).toEqual({ response: credential() });
    expect(parsePasskeyRegistration({ response: credential(), name: "  Work laptop " })).toEqual({ response: credential(), name: "Work laptop" });
    expect(parsePasskeyRegistration({ response: credential(), name: "🔑".repeat(PASSKEY_NAME_MAX) }).name).toBe("🔑".repeat(PASSKEY_NAME_MAX));
  });

  it.each([
    ["no response", {}],
    ["a response that is a string", { response: "x" }],
    ["a response that is null", { response: null }],
    ["a response without id", { response: credential({ id: undefined }) }],
    ["an id that is not base64url", { response: credential({ id: "a+b/c=" }) }],
    ["an empty id", { response: credential({ id: "" }) }],
    ["an id longer than 1023 bytes", { response: credential({ id: "A".repeat(1365) }) }],
    ["a type other than public-key", { response: credential({ type: "password" }) }],
    ["no inner response", { response: credential({ response: undefined }) }],
    ["no clientDataJSON", { response: credential({ response: { attestationObject: "o2Nm" } }) }],
    ["a clientDataJSON that is not a string", { response: credential({ response: { clientDataJSON: 5 } }) }],
  ])("refuse a registration with %s (400 invalid_request, field response)", (_, body) => {
    expect(problemsOf(() => parsePasskeyRegistration(body))).toEqual(["response"]);
  });

  it.each([
    ["too long", "x".repeat(PASSKEY_NAME_MAX + 1)],
    ["empty", ""],
    ["only spaces", "   "],
    ["with a control character", "Work\nlaptop"],
    ["not a string", 5],
  ])("refuse a name %s", (_, name) => {
    expect(problemsOf(() => parsePasskeyRegistration({ response: credential(), name }))).toEqual(["name"]);
    expect(problemsOf(() => parsePasskeyRename({ name }))).toEqual(["name"]);
  });

  it("rename takes a name, required", () => {
    expect(parsePasskeyRename({ name: " Phone " })).toEqual({ name: "Phone" });
    expect(problemsOf(() => parsePasskeyRename({}))).toEqual(["name"]);
  });

  it("refuse bodies that are not JSON objects", () => {
    for (const body of [null, "x", 5, [credential()]]) {
      expect(problemsOf(() => parsePasskeyRegistration(body))).toBeDefined();
      expect(problemsOf(() => parsePasskeyAssertion(body))).toBeDefined();
      expect(problemsOf(() => parsePasskeyRename(body))).toBeDefined();
    }
  });

  it("sign-in options take no body, {}, or { mfaToken }", () => {
    expect(parsePasskeyOptionsRequest(undefined)).toEqual({});
    expect(parsePasskeyOptionsRequest({})).toEqual({});
    const mfaToken = randomBytes(32).toString("base64url");
    expect(parsePasskeyOptionsRequest({ mfaToken })).toEqual({ mfaToken });
    expect(problemsOf(() => parsePasskeyOptionsRequest({ mfaToken: 5 }))).toEqual(["mfaToken"]);
    expect(problemsOf(() => parsePasskeyOptionsRequest({ mfaToken: "x".repeat(129) }))).toEqual(["mfaToken"]);
  });

  it("an assertion takes a response and an optional mfaToken", () => {
    const assertion = credential({ response: { clientDataJSON: "eyJ9", authenticatorData: "AA", signature: "AA" } });
    expect(parsePasskeyAssertion({ response: assertion })).toEqual({ response: assertion });
    expect(parsePasskeyAssertion({ response: assertion, mfaToken: "t".repeat(43) })).toEqual({ response: assertion, mfaToken: "t".repeat(43) });
    expect(problemsOf(() => parsePasskeyAssertion({ mfaToken: "t".repeat(43) }))).toEqual(["response"]);
    expect(problemsOf(() => parsePasskeyAssertion({ response: assertion, mfaToken: 5 }))).toEqual(["mfaToken"]);
    expect(problemsOf(() => parsePasskeyAssertion({ response: { ...assertion, response: {} } }))).toEqual(["response"]);
  });

  it("a passkey id in a path is a credential id (base64url), else not found", () => {
    expect(isCredentialId("AAECAwQFBgcICQoLDA0ODw")).toBe(true);
    expect(isCredentialId("A".repeat(1364))).toBe(true);
    for (const id of [undefined, "", "a.b", "a/b", "a+b", "a=", "A".repeat(1365), "%41"]) expect(isCredentialId(id), String(id)).toBe(false);
  });
});

// ---- user handle and options -----------------------------------------------------------------------

describe("the user handle", () => {
  it("is the user id's bytes; its base64url (as assertions carry it) gives the id back", () => {
    const userId = randomUUID();
    const handle = userHandleOf(userId);
    expect(Buffer.from(handle).toString("utf8")).toBe(userId);
    expect(handle.length).toBeLessThanOrEqual(64); // WebAuthn: user.id is at most 64 bytes
    expect(userIdOfHandle(Buffer.from(handle).toString("base64url"))).toBe(userId);
  });

  it("is what the creation options carry as user.id", async () => {
    const userId = randomUUID();
    const options = await creationOptions({ userId, email: "ada@example.com", name: "Ada" }, [], randomBytes(32).toString("base64url"));
    expect(userIdOfHandle(options.user.id)).toBe(userId);
    expect(options.user).toMatchObject({ name: "ada@example.com", displayName: "Ada" });
  });
});

describe("the options", () => {
  const stored = (credentialId: string, transports?: string[]): PasskeyRecord => ({
    credentialId,
    userId: randomUUID(),
    publicKey: "",
    counter: 0,
    backedUp: false,
    deviceType: "singleDevice",
    name: "Passkey",
    createdAt: 0,
    ...(transports && { transports }),
  });

  it("creation: the challenge given, RP, ES256 and RS256, a discoverable credential, attestation none, the user's passkeys excluded", async () => {
    const challenge = randomBytes(32).toString("base64url");
    const options = await creationOptions({ userId: randomUUID(), email: "ada@example.com" }, [stored("AAAA", ["internal"]), stored("BBBB")], challenge);
    expect(options.challenge).toBe(challenge);
    expect(options.rp).toMatchObject({ id: config.webauthn.rpId, name: config.appName });
    expect(options.pubKeyCredParams).toEqual(expect.arrayContaining([{ type: "public-key", alg: -7 }, { type: "public-key", alg: -257 }]));
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", requireResidentKey: true });
    expect(options.attestation).toBe("none");
    expect(options.excludeCredentials).toEqual([
      { id: "AAAA", type: "public-key", transports: ["internal"] },
      { id: "BBBB", type: "public-key" },
    ]);
    expect(options.timeout).toBe(5 * 60_000);
  });

  it("request: user verification required; discoverable (empty allowCredentials) or the listed passkeys", async () => {
    const challenge = randomBytes(32).toString("base64url");
    const discoverable = await requestOptions([], challenge);
    expect(discoverable).toMatchObject({ challenge, rpId: config.webauthn.rpId, userVerification: "required" });
    expect(discoverable.allowCredentials ?? []).toEqual([]);
    const listed = await requestOptions([stored("AAAA", ["usb", "nfc"])], challenge);
    expect(listed.allowCredentials).toEqual([{ id: "AAAA", type: "public-key", transports: ["usb", "nfc"] }]);
  });
});

// ---- verification rules --------------------------------------------------------------------------

/** A stand-in for the challenge store: each issued challenge works once. */
function challenges() {
  const live = new Set<string>();
  const spent: string[] = [];
  return {
    issue() {
      const challenge = randomBytes(32).toString("base64url");
      live.add(challenge);
      return challenge;
    },
    spend: async (challenge: string) => {
      spent.push(challenge);
      return live.delete(challenge);
    },
    spent,
  };
}

const ORIGIN = config.webauthn.origins[0]!;

async function registered(authenticatorOptions: ConstructorParameters<typeof SoftAuthenticator>[0] = {}) {
  const store = challenges();
  const authenticator = new SoftAuthenticator({ origin: ORIGIN, ...authenticatorOptions });
  const userId = randomUUID();
  const options = await creationOptions({ userId, email: "ada@example.com" }, [], store.issue());
  const made = await verifyRegistration(authenticator.register(options), store.spend);
  if (!made) throw new Error("the registration did not verify");
  const passkey: PasskeyRecord = { ...made, userId, name: "Passkey", createdAt: Date.now() };
  const assert = async (overrides: AuthenticateOverrides = {}, record: PasskeyRecord = passkey) => {
    const request = await requestOptions([], store.issue());
    return verifyAssertion(authenticator.authenticate(request, overrides), record, store.spend);
  };
  return { store, authenticator, passkey, options, assert };
}

describe("verifying a registration", () => {
  it("answers what to store: the credential id, its COSE public key, counter 0, transports, backup state", async () => {
    const { passkey, authenticator } = await registered({ backupEligible: true, transports: ["internal", "hybrid"] });
    const [held] = authenticator.credentials();
    expect(passkey).toMatchObject({
      credentialId: held!.id,
      publicKey: Buffer.from(held!.publicKey).toString("base64url"),
      counter: 0,
      transports: ["internal", "hybrid"],
      backedUp: true,
      deviceType: "multiDevice",
    });
  });

  it.each([
    ["a wrong origin", { origin: "https://evil.example.net" }],
    ["a wrong RP ID", { rpId: "evil.example.net" }],
    ["the other ceremony's type", { type: "webauthn.get" }],
    ["no user presence", { flags: { up: false } }],
    ["an algorithm not offered", { alg: -8 }],
  ])("refuses %s", async (_, overrides) => {
    const store = challenges();
    const options = await creationOptions({ userId: randomUUID(), email: "ada@example.com" }, [], store.issue());
    const response = new SoftAuthenticator({ origin: ORIGIN }).register(options, overrides);
    expect(await verifyRegistration(response, store.spend)).toBeUndefined();
  });

  it("accepts a registration without user verification (it is preferred, not required)", async () => {
    const store = challenges();
    const options = await creationOptions({ userId: randomUUID(), email: "ada@example.com" }, [], store.issue());
    expect(await verifyRegistration(new SoftAuthenticator({ origin: ORIGIN, userVerification: false }).register(options), store.spend)).toBeDefined();
  });

  it("spends the challenge the client data names, and refuses it a second time", async () => {
    const store = challenges();
    const options = await creationOptions({ userId: randomUUID(), email: "ada@example.com" }, [], store.issue());
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    expect(await verifyRegistration(authenticator.register(options), store.spend)).toBeDefined();
    expect(store.spent).toEqual([options.challenge]);
    expect(await verifyRegistration(new SoftAuthenticator({ origin: ORIGIN }).register(options), store.spend)).toBeUndefined();
  });
});

describe("verifying an assertion", () => {
  it("verifies a genuine one and answers the new counter and backup state", async () => {
    const { assert } = await registered();
    expect(await assert()).toEqual({ counter: 1, backedUp: false });
  });

  it.each<[string, AuthenticateOverrides]>([
    ["a wrong origin", { origin: "https://evil.example.net" }],
    ["a wrong RP ID", { rpId: "evil.example.net" }],
    ["the other ceremony's type", { type: "webauthn.create" }],
    ["a tampered signature", { tamperSignature: true }],
    ["no user verification", { userVerified: false }],
    ["no user presence", { userPresent: false }],
    ["a challenge never issued", { challenge: randomBytes(32).toString("base64url") }],
  ])("refuses %s", async (_, overrides) => {
    const { assert } = await registered();
    expect(await assert(overrides)).toBeUndefined();
  });

  it("refuses another credential's key: the claimed id's stored key does not verify our signature", async () => {
    const victim = await registered();
    const attacker = await registered();
    const request = await requestOptions([], attacker.store.issue());
    const response = attacker.authenticator.authenticate(request, { claimCredentialId: victim.passkey.credentialId });
    expect(await verifyAssertion(response, victim.passkey, attacker.store.spend)).toBeUndefined();
  });

  it("works once per challenge", async () => {
    const { store, authenticator, passkey } = await registered();
    const request = await requestOptions([], store.issue());
    const response = authenticator.authenticate(request);
    expect(await verifyAssertion(response, passkey, store.spend)).toBeDefined();
    expect(await verifyAssertion(response, passkey, store.spend)).toBeUndefined();
  });

  it("counter: refuses a regression when stored and presented are non-zero; a presented 0 passes and keeps the stored counter", async () => {
    const { assert, passkey } = await registered();
    const stored = { ...passkey, counter: 5 };
    expect(await assert({ signCount: 4 }, stored)).toBeUndefined();
    expect(await assert({ signCount: 5 }, stored)).toBeUndefined();
    expect(await assert({ signCount: 6 }, stored)).toMatchObject({ counter: 6 });
    expect(await assert({ signCount: 0 }, stored)).toMatchObject({ counter: 5 });
    expect(await assert({ signCount: 3 }, passkey)).toMatchObject({ counter: 3 });
  });

  it("counter: a synced passkey's 0 passes every time", async () => {
    const { assert } = await registered({ signCount: "zero", backupEligible: true });
    for (let i = 0; i < 3; i++) expect(await assert()).toEqual({ counter: 0, backedUp: true });
  });

  it("refuses an assertion without authenticator data", async () => {
    const { store, authenticator, passkey } = await registered();
    const response = authenticator.authenticate(await requestOptions([], store.issue()));
    expect(await verifyAssertion({ ...response, response: { ...response.response, authenticatorData: "" } }, passkey, store.spend)).toBeUndefined();
  });
});

describe("the challenge store's shape check", () => {
  it("spends nothing that is not a challenge we could have made (43 base64url characters), without asking the database", async () => {
    for (const challenge of ["", "short", "x".repeat(44), `${"x".repeat(42)}=`, `${"x".repeat(42)}+`]) {
      expect(await spendChallenge(challenge, { ceremony: "signin" }, Date.now())).toBe(false);
    }
  });
});
