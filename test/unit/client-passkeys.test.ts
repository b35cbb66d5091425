// Passkeys on the client: the five routes of the signed-in user's passkeys,
// signin with a passkey (alone, and as the second step of a password signin),
// which keeps the session as signIn does, and the browser helper
// (passkeys-browser.ts) that runs the ceremonies with @simplewebauthn/browser,
// here over a stand-in of the browser's WebAuthn API (navigator.credentials),
// so that the order of ceremonies can be checked: a button's ceremony
// replaces the waiting autofill, and an autofill whose options come late
// never replaces a newer ceremony.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import {
  AuthClient,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ROUTES,
  UnauthorizedError,
  type AuthenticationResponseJSON,
  type Passkey,
  type PasskeyBody,
  type PasskeyRequestOptions,
  type Session,
  type StoredSession,
} from "../../client/src/index.js";
import type { paths } from "../../client/src/openapi.js";
import {
  addPasskey,
  isPasskeyCancellation,
  passkeyErrorMessage,
  signInWithPasskey,
  startPasskeyAutofill,
} from "../../client/src/passkeys-browser.js";
import { fakeAssertion, fakeRegistration, MFA_EMAIL, startFakeApi, type FakeApi } from "../helpers/fake-api.js";

let api: FakeApi;
beforeAll(async () => void (api = await startFakeApi()));
afterAll(() => api.close());
beforeEach(() => {
  api.requests.length = 0;
  api.passkeys = [];
  api.passkeyNeedsMultiFactor = false;
  api.passwordless = false;
});

const PASSWORD = "correct horse battery";

function client() {
  const auth = new AuthClient({ baseUrl: api.baseUrl });
  const changes: (StoredSession | null)[] = [];
  auth.onSessionChange((session) => changes.push(session));
  return { auth, changes };
}

async function signedIn() {
  const { auth, changes } = client();
  await auth.signIn({ email: "ada@example.com", password: PASSWORD });
  changes.length = 0;
  return { auth, changes };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

/** A passkey registered through the client, as a browser would (the credential answers the options' challenge). */
async function registered(auth: AuthClient, id: string, name?: string): Promise<Passkey> {
  const options = await auth.passkeys.registrationOptions();
  return (await auth.passkeys.register(fakeRegistration(id, options), name)).passkey;
}

describe("the signed-in user's passkeys", () => {
  it("registration: creation options, then the browser's credential with a name; the list shows it", async () => {
    const { auth, changes } = await signedIn();
    const options = await auth.passkeys.registrationOptions();
    expect(options).toMatchObject({ rp: { id: "localhost" }, excludeCredentials: [], authenticatorSelection: { residentKey: "required" }, attestation: "none" });
    expect(typeof options.challenge).toBe("string");
    const response = fakeRegistration("cred-1", options);
    const { passkey } = await auth.passkeys.register(response, "Laptop");
    expect(api.lastBody("POST /users/me/passkeys")).toEqual({ response, name: "Laptop" });
    expect(passkey).toMatchObject({ id: "cred-1", name: "Laptop", backedUp: false, transports: ["internal"] });
    expect(passkey.lastUsedAt).toBeUndefined();
    expect((await auth.passkeys.list()).passkeys).toEqual([passkey]);
    // The second registration's options exclude the first passkey.
    expect((await auth.passkeys.registrationOptions()).excludeCredentials).toEqual([{ id: "cred-1", type: "public-key", transports: ["internal"] }]);
    // Nothing about the stored session changes.
    expect(changes).toEqual([]);
  });

  it("without a name, the body has none (the API names it)", async () => {
    const { auth } = await signedIn();
    const options = await auth.passkeys.registrationOptions();
    const response = fakeRegistration("cred-2", options);
    expect((await auth.passkeys.register(response)).passkey.name).toBe("Passkey");
    expect(api.lastBody("POST /users/me/passkeys")).toEqual({ response });
  });

  it("the refusals carry their codes: a response that does not verify (400), a credential already registered (409), no multi-factor session (403)", async () => {
    const { auth } = await signedIn();
    const notVerified = await rejection(auth.passkeys.register(fakeRegistration("cred-x", { challenge: "never-issued" })));
    expect(notVerified).toBeInstanceOf(BadRequestError);
    expect((notVerified as BadRequestError).problems).toEqual([{ field: "response", problem: "does not verify" }]);

    await registered(auth, "cred-1");
    const again = await rejection(registered(auth, "cred-1"));
    expect(again).toBeInstanceOf(ConflictError);
    expect((again as ConflictError).code).toBe("already_registered");

    api.passkeyNeedsMultiFactor = true;
    const stepUp = await rejection(auth.passkeys.registrationOptions());
    expect(stepUp).toBeInstanceOf(ForbiddenError);
    expect((stepUp as ForbiddenError).code).toBe("mfa_required");
  });

  it("rename and remove by id (encoded in the path); 404 for a passkey that is not the caller's; 409 for the last way to sign in", async () => {
    const { auth } = await signedIn();
    await registered(auth, "cred-1", "Laptop");
    const { passkey } = await auth.passkeys.rename("cred-1", "Work laptop");
    expect(passkey).toMatchObject({ id: "cred-1", name: "Work laptop" });
    expect(api.lastBody("PATCH /users/me/passkeys/cred-1")).toEqual({ name: "Work laptop" });

    const missing = await rejection(auth.passkeys.rename("no/such", "x"));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(api.requests).toContain("PATCH /users/me/passkeys/no%2Fsuch");

    api.passwordless = true;
    const last = await rejection(auth.passkeys.remove("cred-1"));
    expect(last).toBeInstanceOf(ConflictError);
    expect((last as ConflictError).code).toBe("last_sign_in_method");

    api.passwordless = false;
    await auth.passkeys.remove("cred-1");
    expect(api.count("DELETE /users/me/passkeys/cred-1")).toBe(2);
    expect((await auth.passkeys.list()).passkeys).toEqual([]);
    expect(await rejection(auth.passkeys.remove("cred-1"))).toBeInstanceOf(NotFoundError);
  });

  it("the routes carry the access token and, like every bearer route, refresh once after a 401 and retry", async () => {
    const { auth } = await signedIn();
    api.rejectIssuedAccessTokens();
    expect((await auth.passkeys.list()).passkeys).toEqual([]);
    expect(api.count("POST /auth/refresh")).toBe(1);
    expect(api.count("GET /users/me/passkeys")).toBe(2);
  });
});

describe("signin with a passkey", () => {
  /** The browser's part, for the client's `getAssertion`: an assertion of `id` for the options it was given. */
  function browserAnswering(id: string) {
    const seen: PasskeyRequestOptions[] = [];
    const getAssertion = async (options: PasskeyRequestOptions): Promise<AuthenticationResponseJSON> => {
      seen.push(options);
      return fakeAssertion(id, options);
    };
    return { seen, getAssertion };
  }

  async function withPasskey(id = "cred-1"): Promise<void> {
    const { auth } = await signedIn();
    await registered(auth, id);
    await auth.signOut();
    api.requests.length = 0;
  }

  it("alone: options for a discoverable passkey, the browser's assertion, the session kept as signIn keeps it", async () => {
    await withPasskey();
    const { auth, changes } = client();
    const browser = browserAnswering("cred-1");
    const session = await auth.signInWithPasskey(browser.getAssertion);
    expect(api.lastBody("POST /auth/passkeys/options")).toEqual({});
    expect(browser.seen).toHaveLength(1);
    expect(browser.seen[0]).toMatchObject({ allowCredentials: [], userVerification: "required", rpId: "localhost" });
    expect(api.lastBody("POST /auth/passkeys/verify")).toEqual({ response: fakeAssertion("cred-1", browser.seen[0]!) });
    const stored = await auth.getSession();
    expect(stored?.accessToken).toBe(session.accessToken);
    expect(changes).toEqual([stored]);
    expect((await auth.messages.protected()).text).toBe("This is a protected message.");
    expect(api.passkeys[0]?.lastUsedAt).toBeDefined();
  });

  it("the pair of calls does the same: passkeySigninOptions, then verifyPasskey", async () => {
    await withPasskey();
    const { auth } = client();
    const options = await auth.passkeySigninOptions();
    const session = await auth.verifyPasskey({ response: fakeAssertion("cred-1", options) });
    expect((await auth.getSession())?.refreshToken).toBe(session.refreshToken);
  });

  it("an assertion that does not verify (a spent challenge, an unknown passkey) throws 401 invalid_passkey and keeps nothing, without a refresh", async () => {
    await withPasskey();
    const { auth, changes } = client();
    const options = await auth.passkeySigninOptions();
    await auth.verifyPasskey({ response: fakeAssertion("cred-1", options) });
    await auth.signOut();
    changes.length = 0;

    const replay = await rejection(auth.verifyPasskey({ response: fakeAssertion("cred-1", options) }));
    expect(replay).toBeInstanceOf(UnauthorizedError);
    expect((replay as UnauthorizedError).code).toBe("invalid_passkey");
    const unknown = await rejection(auth.signInWithPasskey(browserAnswering("cred-unknown").getAssertion));
    expect((unknown as UnauthorizedError).code).toBe("invalid_passkey");
    expect(await auth.getSession()).toBeNull();
    expect(changes).toEqual([]);
    expect(api.count("POST /auth/refresh")).toBe(0);
  });

  it("when the browser's ceremony fails (the user cancelled), that error is thrown and nothing is verified", async () => {
    await withPasskey();
    const { auth } = client();
    const cancelled = new Error("The operation either timed out or was not allowed.");
    cancelled.name = "NotAllowedError";
    expect(await rejection(auth.signInWithPasskey(() => Promise.reject(cancelled)))).toBe(cancelled);
    expect(api.count("POST /auth/passkeys/verify")).toBe(0);
    expect(await auth.getSession()).toBeNull();
  });

  it("as the second step: factors list passkey; the options and the assertion go with the mfaToken, which then is spent", async () => {
    await withPasskey("cred-2");
    const { auth } = client();
    const result = await auth.signIn({ email: MFA_EMAIL, password: PASSWORD });
    if (result.status !== "mfa-required") throw new Error(`expected the second step, got ${result.status}`);
    expect(result.factors).toEqual(["totp", "recovery_code", "passkey"]);
    const { mfaToken } = result;

    const browser = browserAnswering("cred-2");
    await auth.signInWithPasskey(browser.getAssertion, { mfaToken });
    expect(api.lastBody("POST /auth/passkeys/options")).toEqual({ mfaToken });
    expect(browser.seen[0]?.allowCredentials).toEqual([{ id: "cred-2", type: "public-key", transports: ["internal"] }]);
    expect(api.lastBody("POST /auth/passkeys/verify")).toEqual({ response: fakeAssertion("cred-2", browser.seen[0]!), mfaToken });
    expect(await auth.getSession()).not.toBeNull();

    // Used: sign in again.
    const spent = await rejection(auth.passkeySigninOptions(mfaToken));
    expect(spent).toBeInstanceOf(UnauthorizedError);
    expect((spent as UnauthorizedError).code).toBe("mfa_token_invalid");
  });

  it("types: the routes, the calls and the bodies are openapi.yaml's", () => {
    expect(Object.values(ROUTES).filter((route) => route.path.includes("passkeys"))).toHaveLength(7);
    expectTypeOf<AuthClient["passkeySigninOptions"]>().toEqualTypeOf<(mfaToken?: string) => Promise<PasskeyRequestOptions>>();
    expectTypeOf<AuthClient["verifyPasskey"]>().parameter(0).toEqualTypeOf<{ response: AuthenticationResponseJSON; mfaToken?: string }>();
    expectTypeOf<AuthClient["verifyPasskey"]>().returns.toEqualTypeOf<Promise<Session>>();
    expectTypeOf<AuthClient["passkeys"]["list"]>().returns.resolves.toEqualTypeOf<{ passkeys: Passkey[] }>();
    expectTypeOf<AuthClient["passkeys"]["register"]>().returns.resolves.toEqualTypeOf<PasskeyBody>();
    type Json<R> = R extends { content: { "application/json": infer B } } ? B : never;
    expectTypeOf<Json<paths["/users/me/passkeys"]["post"]["responses"][201]>>().toEqualTypeOf<PasskeyBody>();
    expectTypeOf<PasskeyRequestOptions["userVerification"]>().toEqualTypeOf<"required">();
  });
});

/**
 * A stand-in of the browser's WebAuthn API: one credential (`credentialId`)
 * that answers every ceremony; a modal request is answered at once (the user
 * confirms), a conditional (autofill) one when the test picks it. Aborted
 * requests reject with the signal's reason, as browsers do.
 */
function fakeBrowser(credentialId: string) {
  const bytes = (text: string) => new TextEncoder().encode(text).buffer;
  const clientData = (type: string, challenge: ArrayBuffer) =>
    bytes(JSON.stringify({ type, challenge: Buffer.from(challenge).toString("base64url"), origin: "http://localhost:4040" }));
  const requests: { mediation?: string; publicKey: any; signal: AbortSignal }[] = [];
  let pick: (() => void) | undefined;
  const assertion = (publicKey: any) => ({
    id: credentialId,
    rawId: bytes(credentialId),
    type: "public-key",
    authenticatorAttachment: "platform",
    response: {
      clientDataJSON: clientData("webauthn.get", publicKey.challenge),
      authenticatorData: new Uint8Array(37).buffer,
      signature: new Uint8Array(8).buffer,
      userHandle: bytes("user-1"),
    },
    getClientExtensionResults: () => ({}),
  });
  const pending = (signal: AbortSignal, settle: (resolve: (value: unknown) => void) => void) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      settle(resolve);
    });
  const credentials = {
    create: (options: any) => {
      requests.push(options);
      return pending(options.signal, (resolve) =>
        resolve({
          id: credentialId,
          rawId: bytes(credentialId),
          type: "public-key",
          authenticatorAttachment: "platform",
          response: { clientDataJSON: clientData("webauthn.create", options.publicKey.challenge), attestationObject: bytes("none"), getTransports: () => ["internal"] },
          getClientExtensionResults: () => ({ credProps: { rk: true } }),
        }),
      );
    },
    get: (options: any) => {
      requests.push(options);
      return pending(options.signal, (resolve) => {
        if (options.mediation === "conditional") pick = () => resolve(assertion(options.publicKey));
        else resolve(assertion(options.publicKey));
      });
    },
  };
  class PublicKeyCredential {
    static isConditionalMediationAvailable = async () => true;
  }
  vi.stubGlobal("PublicKeyCredential", PublicKeyCredential);
  vi.stubGlobal("navigator", { credentials });
  // The page's input with autocomplete="username webauthn".
  vi.stubGlobal("document", { querySelectorAll: () => [{}] });
  return {
    requests,
    /** The user picks the passkey in the autofill list. */
    pickAutofill: () => pick?.(),
  };
}

describe("the browser helper (passkeys-browser.ts)", () => {
  afterEach(() => void vi.unstubAllGlobals());

  it("addPasskey: the options become the browser's creation request, its credential is registered with the name", async () => {
    const browser = fakeBrowser("cred-b1");
    const { auth } = await signedIn();
    const passkey = await addPasskey(auth, "Phone");
    expect(passkey).toMatchObject({ id: "cred-b1", name: "Phone", transports: ["internal"] });
    expect(browser.requests).toHaveLength(1);
    expect(Buffer.from(browser.requests[0]!.publicKey.user.id).toString("utf8")).toBe("user-1");
    expect((api.lastBody("POST /users/me/passkeys") as any).response.clientExtensionResults).toEqual({ credProps: { rk: true } });
  });

  it("signInWithPasskey: a modal request with user verification required, then the session", async () => {
    const { auth: owner } = await signedIn();
    fakeBrowser("cred-b2");
    await addPasskey(owner);
    const browser = fakeBrowser("cred-b2");
    const { auth } = client();
    const session = await signInWithPasskey(auth);
    expect(browser.requests).toHaveLength(1);
    expect(browser.requests[0]!.mediation).toBeUndefined();
    expect(browser.requests[0]!.publicKey.userVerification).toBe("required");
    expect((await auth.getSession())?.accessToken).toBe(session.accessToken);
  });

  it("autofill: a conditional request waits; the button's ceremony replaces it (no error), and restart offers the autofill again, which signs in when picked", async () => {
    const { auth: owner } = await signedIn();
    fakeBrowser("cred-b3");
    await addPasskey(owner);
    await owner.signOut();

    const browser = fakeBrowser("cred-b3");
    const { auth } = client();
    const signedInBy: Session[] = [];
    const errors: unknown[] = [];
    const autofill = startPasskeyAutofill(auth, { onSignedIn: (session) => signedInBy.push(session), onError: (error) => errors.push(error) });
    await expect.poll(() => browser.requests.length).toBe(1);
    const waiting = browser.requests[0]!;
    expect(waiting.mediation).toBe("conditional");
    expect(waiting.publicKey.allowCredentials).toEqual([]);

    // The button: its ceremony aborts the waiting one, and signs in.
    await signInWithPasskey(auth);
    expect(waiting.signal.aborted).toBe(true);
    expect(browser.requests).toHaveLength(2);
    expect(browser.requests[1]!.mediation).toBeUndefined();
    await auth.signOut();
    // A cancellation is not an error, and does not restart the autofill by itself.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors).toEqual([]);
    expect(browser.requests).toHaveLength(2);

    autofill.restart();
    await expect.poll(() => browser.requests.length).toBe(3);
    expect(browser.requests[2]!.mediation).toBe("conditional");
    browser.pickAutofill();
    await expect.poll(() => signedInBy.length).toBe(1);
    expect((await auth.getSession())?.accessToken).toBe(signedInBy[0]!.accessToken);
    expect(errors).toEqual([]);
  });

  it("an autofill whose options arrive after the button's ceremony began never reaches the browser (so never aborts the button's)", async () => {
    const { auth: owner } = await signedIn();
    fakeBrowser("cred-b4");
    await addPasskey(owner);
    await owner.signOut();

    const browser = fakeBrowser("cred-b4");
    const { auth } = client();
    const errors: unknown[] = [];
    // Both start before either's options are back.
    startPasskeyAutofill(auth, { onSignedIn: () => errors.push("the autofill signed in"), onError: (error) => errors.push(error) });
    await signInWithPasskey(auth);
    expect(browser.requests.map((request) => request.mediation)).toEqual([undefined]);
    expect(browser.requests[0]!.signal.aborted).toBe(false);
    expect(errors).toEqual([]);
    expect(await auth.getSession()).not.toBeNull();
  });

  it("a picked passkey that does not verify is told (onError) and the autofill is offered again; stop() ends it", async () => {
    const browser = fakeBrowser("cred-unknown");
    const { auth } = client();
    const errors: unknown[] = [];
    const autofill = startPasskeyAutofill(auth, { onSignedIn: () => errors.push("signed in"), onError: (error) => errors.push(error) });
    await expect.poll(() => browser.requests.length).toBe(1);
    browser.pickAutofill();
    await expect.poll(() => errors.length).toBe(1);
    expect((errors[0] as UnauthorizedError).code).toBe("invalid_passkey");
    await expect.poll(() => browser.requests.length, { timeout: 3000 }).toBe(2);
    const again = browser.requests[1]!;
    expect(again.mediation).toBe("conditional");
    autofill.stop();
    expect(again.signal.aborted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors).toHaveLength(1);
  });

  it("says what went wrong in the browser, and nothing for an API error", () => {
    const dismissed = new DOMException("The operation either timed out or was not allowed.", "NotAllowedError");
    expect(passkeyErrorMessage(dismissed)).toMatch(/cancelled or timed out/);
    expect(passkeyErrorMessage(new DOMException("exists", "InvalidStateError"))).toMatch(/already has a passkey/);
    expect(passkeyErrorMessage(new UnauthorizedError(401, "The passkey could not be verified", { message: "The passkey could not be verified", code: "invalid_passkey" }))).toBeUndefined();
    expect(passkeyErrorMessage(new TypeError("Failed to fetch"))).toBeUndefined();
    const aborted = new Error("Cancelling existing WebAuthn API call for new one");
    aborted.name = "AbortError";
    expect(isPasskeyCancellation(aborted)).toBe(true);
    expect(isPasskeyCancellation(dismissed)).toBe(false);
  });
});
