// The client's redirect signin (authorization code + PKCE, as Auth0's SDKs do
// it): the authorization URL it builds, and what handleRedirectCallback
// refuses before or after the code exchange: an answer without this tab's
// state (tampered, replayed, another signin's), an error answer, another
// issuer, and an ID token that is not for this client and this signin (wrong
// nonce, audience, issuer, subject, algorithm, expired). Nothing is kept then.
// The API is a fetch function standing in for /oauth2/token and /users/me.
import { createHash, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AuthClient, AuthorizationError, BadRequestError, memoryStorage, type TokenStorage } from "../../client/src/index.js";

const BASE_URL = "https://auth.example.com";
const CLIENT_ID = "web";
const REDIRECT_URI = "https://app.example.com/callback";
const USER = {
  id: "user-1",
  email: "ada@example.com",
  emailVerified: true,
  roles: ["user"],
  createdAt: "2026-01-01T00:00:00.000Z",
  mfaEnabled: false,
  hasPassword: true,
};

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** An ID token as the provider makes one (the signature is not checked: see client/src/id-token.ts). */
function idToken(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: "RS256", typ: "JWT", kid: "k1" }): string {
  return `${base64url(header)}.${base64url(claims)}.c2lnbmF0dXJl`;
}

interface TokenRequest {
  contentType: string | null;
  form: URLSearchParams;
}

/**
 * The provider's side: the authorization request the client built (read off
 * its URL), the token requests it received, and what the token endpoint answers.
 */
function fakeProvider() {
  const tokenRequests: TokenRequest[] = [];
  let authorization: URLSearchParams | undefined;
  const provider = {
    tokenRequests,
    /** Claims to change in (or, as undefined, leave out of) the next ID token. */
    idTokenClaims: {} as Record<string, unknown>,
    idTokenHeader: undefined as Record<string, unknown> | undefined,
    /** A token endpoint error to answer instead (RFC 6749 5.2). */
    tokenError: undefined as { error: string; error_description: string } | undefined,
    /** The provider's answer at the redirect URI for the latest authorization URL. */
    answer(params: Record<string, string> = {}): string {
      if (!authorization) throw new Error("no authorization URL was built");
      const url = new URL(REDIRECT_URI);
      url.searchParams.set("code", "the-code");
      url.searchParams.set("state", authorization.get("state")!);
      url.searchParams.set("iss", BASE_URL);
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      return url.toString();
    },
    saw(url: string): URLSearchParams {
      authorization = new URL(url).searchParams;
      return authorization;
    },
    fetch: async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
      const url = new URL(input);
      const headers = new Headers(init.headers);
      if (url.pathname === "/oauth2/token" && init.method === "POST") {
        const form = new URLSearchParams(String(init.body));
        tokenRequests.push({ contentType: headers.get("content-type"), form });
        if (provider.tokenError) return Response.json({ ...provider.tokenError }, { status: 400 });
        const verifier = form.get("code_verifier") ?? "";
        if (createHash("sha256").update(verifier).digest("base64url") !== authorization?.get("code_challenge")) {
          return Response.json({ error: "invalid_grant", error_description: "PKCE verification failed" }, { status: 400 });
        }
        const now = Math.floor(Date.now() / 1000);
        const claims = { iss: BASE_URL, sub: USER.id, aud: CLIENT_ID, exp: now + 300, iat: now, nonce: authorization.get("nonce"), ...provider.idTokenClaims };
        return Response.json({
          access_token: `access.${randomUUID()}`,
          token_type: "Bearer",
          expires_in: 900,
          scope: authorization.get("scope"),
          refresh_token: `refresh.${randomUUID()}`,
          id_token: idToken(JSON.parse(JSON.stringify(claims)), provider.idTokenHeader),
        });
      }
      if (url.pathname === "/users/me" && headers.get("authorization")?.startsWith("Bearer access.")) return Response.json({ user: USER });
      return Response.json({ message: "Not found", code: "not_found" }, { status: 404 });
    },
  };
  return provider;
}

function setup(options: { redirectStorage?: TokenStorage } = {}) {
  const provider = fakeProvider();
  const auth = new AuthClient({ baseUrl: BASE_URL, clientId: CLIENT_ID, fetch: provider.fetch, ...options });
  /** Starts a signin as signInWithRedirect does, the provider seeing its URL. */
  const start = async (extra: Partial<Parameters<AuthClient["authorizationUrl"]>[0]> = {}) =>
    provider.saw(await auth.authorizationUrl({ redirectUri: REDIRECT_URI, ...extra }));
  return { auth, provider, start };
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

/** The callback refused with `code`, before or after the exchange, and nothing kept. */
async function expectRefused(auth: AuthClient, answer: string, code: string): Promise<AuthorizationError> {
  const error = await rejection(auth.handleRedirectCallback(answer));
  expect(error).toBeInstanceOf(AuthorizationError);
  expect(error.code).toBe(code);
  expect(await auth.getSession()).toBeNull();
  return error;
}

describe("the authorization URL", () => {
  it("asks for a code with PKCE S256, a fresh state and nonce, and the default scopes; prompt, login_hint and provider only when given", async () => {
    const { start } = setup();
    const first = await start();
    expect(Object.fromEntries(first)).toEqual({
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope: "openid email profile",
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: "S256",
    });
    const second = await start({ prompt: "login", loginHint: "ada@example.com", provider: "local", scope: "openid email", clientId: "other" });
    expect(second.get("prompt")).toBe("login");
    expect(second.get("login_hint")).toBe("ada@example.com");
    expect(second.get("provider")).toBe("local");
    expect(second.get("scope")).toBe("openid email");
    expect(second.get("client_id")).toBe("other");
    for (const name of ["state", "nonce", "code_challenge"]) expect(second.get(name)).not.toBe(first.get(name));
  });

  it("is the provider's authorization endpoint", async () => {
    const { auth } = setup();
    const url = new URL(await auth.authorizationUrl({ redirectUri: REDIRECT_URI }));
    expect(`${url.origin}${url.pathname}`).toBe(`${BASE_URL}/oauth2/authorize`);
  });

  it("needs a client id", async () => {
    const auth = new AuthClient({ baseUrl: BASE_URL });
    expect(await rejection(auth.authorizationUrl({ redirectUri: REDIRECT_URI }))).toBeInstanceOf(TypeError);
  });

  it("keeps the waiting signin in the redirect storage given, not in the session's", async () => {
    const redirectStorage = memoryStorage();
    const { start } = setup({ redirectStorage });
    const params = await start();
    const pending = JSON.parse(String(await redirectStorage.getItem("auth-session:redirect-signin")));
    expect(pending).toMatchObject({ state: params.get("state"), nonce: params.get("nonce"), redirectUri: REDIRECT_URI, clientId: CLIENT_ID });
  });
});

describe("handleRedirectCallback", () => {
  it("exchanges the code form-encoded with client_id, redirect_uri and the verifier of the challenge, checks the ID token and keeps the session", async () => {
    const { auth, provider, start } = setup();
    const changes: unknown[] = [];
    auth.onSessionChange((session) => changes.push(session));
    const params = await start();
    const result = await auth.handleRedirectCallback(provider.answer());

    const [request, ...more] = provider.tokenRequests;
    expect(more).toEqual([]);
    expect(request!.contentType).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(request!.form)).toEqual({
      grant_type: "authorization_code",
      code: "the-code",
      redirect_uri: REDIRECT_URI,
      client_id: CLIENT_ID,
      code_verifier: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(createHash("sha256").update(request!.form.get("code_verifier")!).digest("base64url")).toBe(params.get("code_challenge"));

    expect(result.idTokenClaims).toMatchObject({ sub: USER.id, aud: CLIENT_ID, nonce: params.get("nonce") });
    expect(result.session.user).toEqual(USER);
    expect(await auth.getSession()).toEqual(result.session);
    expect(changes).toEqual([result.session]);
    expect(await auth.getAccessToken()).toBe(result.session.accessToken);
  });

  it("works once: the same answer again (a reload of the callback) is refused without a second exchange", async () => {
    const { auth, provider, start } = setup();
    await start();
    const answer = provider.answer();
    await auth.handleRedirectCallback(answer);
    expect(await rejection(auth.handleRedirectCallback(answer))).toMatchObject({ code: "invalid_state" });
    expect(provider.tokenRequests).toHaveLength(1);
  });

  it("refuses a tampered state without exchanging the code, and the waiting signin is spent", async () => {
    const { auth, provider, start } = setup();
    const params = await start();
    await expectRefused(auth, provider.answer({ state: `${params.get("state")}x` }), "invalid_state");
    await expectRefused(auth, provider.answer({ state: "" }), "invalid_state");
    const missing = new URL(provider.answer());
    missing.searchParams.delete("state");
    await expectRefused(auth, missing.toString(), "invalid_state");
    expect(provider.tokenRequests).toEqual([]);
  });

  it("refuses an answer to an older signin that a newer one replaced (login CSRF with a code of the attacker's own signin)", async () => {
    const { auth, provider, start } = setup();
    await start();
    const older = provider.answer();
    await start();
    await expectRefused(auth, older, "invalid_state");
    expect(provider.tokenRequests).toEqual([]);
  });

  it("refuses an answer when no signin is waiting", async () => {
    const { auth } = setup();
    await expectRefused(auth, `${REDIRECT_URI}?code=c&state=s`, "invalid_state");
  });

  it("turns the provider's error answer into its code and description (the user cancelled: access_denied)", async () => {
    const { auth, provider, start } = setup();
    await start();
    const answer = new URL(provider.answer({ error: "access_denied", error_description: "The user cancelled the sign-in" }));
    answer.searchParams.delete("code");
    const error = await expectRefused(auth, answer.toString(), "access_denied");
    expect(error.message).toBe("The user cancelled the sign-in");
    expect(provider.tokenRequests).toEqual([]);
  });

  it("refuses an answer naming another issuer (RFC 9207: a mix-up) or carrying no code", async () => {
    const { auth, provider, start } = setup();
    await start();
    await expectRefused(auth, provider.answer({ iss: "https://evil.example.com" }), "invalid_response");
    await start();
    const noCode = new URL(provider.answer());
    noCode.searchParams.delete("code");
    await expectRefused(auth, noCode.toString(), "invalid_response");
    expect(provider.tokenRequests).toEqual([]);
  });

  it.each([
    ["a wrong nonce", { nonce: "not-the-one-sent" }],
    ["no nonce", { nonce: undefined }],
    ["another audience", { aud: "other-client" }],
    ["several audiences without this client as authorized party", { aud: [CLIENT_ID, "other-client"] }],
    ["another authorized party", { azp: "other-client" }],
    ["another issuer", { iss: "https://evil.example.com" }],
    ["another subject than the access token's user", { sub: "user-2" }],
    ["an expiry long past", { exp: Math.floor(Date.now() / 1000) - 3600 }],
  ])("refuses an ID token with %s, and keeps nothing", async (_, claims) => {
    const { auth, provider, start } = setup();
    provider.idTokenClaims = claims;
    await start();
    const error = await expectRefused(auth, provider.answer(), "invalid_id_token");
    expect(error.message).toMatch(/^The ID token /);
  });

  it("refuses an ID token that claims no signature (alg none)", async () => {
    const { auth, provider, start } = setup();
    provider.idTokenHeader = { alg: "none", typ: "JWT" };
    await start();
    await expectRefused(auth, provider.answer(), "invalid_id_token");
  });

  it("answers the token endpoint's refusal (an RFC 6749 body) as a typed error with its code", async () => {
    const { auth, provider, start } = setup();
    provider.tokenError = { error: "invalid_grant", error_description: "The code is unknown, expired or used" };
    await start();
    const error = await rejection(auth.handleRedirectCallback(provider.answer()));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: "invalid_grant", message: "The code is unknown, expired or used" });
    expect(await auth.getSession()).toBeNull();
  });
});
