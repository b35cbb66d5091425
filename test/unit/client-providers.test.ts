// Outside identity providers on the client: the list of providers (no token),
// the signed-in user's identities (list, link, link with a redirect, unlink:
// bearer, path and body as openapi.yaml has them, and the typed errors of the
// contract: 409 last_sign_in_method, 409 already_registered, 404 not_found,
// 400 invalid_request), the hosted page's "Continue with <name>"
// (authorization.withProvider, no token), and the redirect sign-in's answer
// when the API refused a provider sign-in (access_denied with the callback's
// code in error_description), which the web app's /callback says in words.
// The API is a fetch function standing in for those routes.
import { afterEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import {
  AuthClient,
  AuthorizationError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  ROUTES,
  UnauthorizedError,
  type Identity,
  type IdentityProvider,
} from "../../client/src/index.js";

const BASE_URL = "https://auth.example.com";
const APP = "https://app.example.com";
const USER = {
  id: "user-1",
  email: "ada@example.com",
  emailVerified: true,
  roles: ["user"],
  createdAt: "2026-01-01T00:00:00.000Z",
  mfaEnabled: false,
  hasPassword: true,
};
const PROVIDERS = [
  { id: "local", name: "Local test provider" },
  { id: "google", name: "Google" },
];

interface Seen {
  method: string;
  path: string;
  authorization: string | null;
  contentType: string | null;
  body: unknown;
}

/**
 * The API's side: a session (signin hands out `access-<n>`, refresh rotates
 * it), the identities of user-1 in memory, and the routes of issue 22.
 */
function fakeApi() {
  const seen: Seen[] = [];
  let issued = 0;
  let liveAccess = "";
  let liveRefresh = "";
  const api = {
    seen,
    identities: [] as Identity[],
    /** The user has no password and no passkey: the last identity cannot go. */
    passwordless: false,
    /** Hosted page requests that exist. */
    requests: new Set(["req-1"]),
    /** Makes the access token handed out so far fail (as an expired one would), so the client refreshes. */
    expireAccessToken: () => (liveAccess = "expired"),
    fetch: async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
      const url = new URL(input);
      const headers = new Headers(init.headers);
      const method = init.method ?? "GET";
      const text = typeof init.body === "string" ? init.body : undefined;
      const body = text && headers.get("content-type") === "application/json" ? JSON.parse(text) : text;
      seen.push({ method, path: url.pathname, authorization: headers.get("authorization"), contentType: headers.get("content-type"), body });
      const signedIn = headers.get("authorization") === `Bearer ${liveAccess}`;
      const session = () => {
        issued += 1;
        liveAccess = `access-${issued}`;
        liveRefresh = `refresh-${issued}`;
        return Response.json({ user: USER, accessToken: liveAccess, refreshToken: liveRefresh, tokenType: "Bearer", expiresIn: 900 });
      };
      const unauthorized = () => Response.json({ message: "Unauthorized", code: "unauthorized" }, { status: 401 });
      const route = `${method} ${url.pathname}`;
      if (route === "POST /auth/signin") return session();
      if (route === "POST /auth/refresh") return (body as { refreshToken?: string })?.refreshToken === liveRefresh ? session() : unauthorized();
      if (route === "GET /auth/providers") return Response.json({ providers: PROVIDERS });
      if (route === "GET /users/me/identities") return signedIn ? Response.json({ identities: api.identities }) : unauthorized();
      if (route === "POST /users/me/identities") {
        if (!signedIn) return unauthorized();
        const { provider, redirectUri } = body as { provider?: string; redirectUri?: string };
        if (!PROVIDERS.some((known) => known.id === provider) || !redirectUri?.startsWith(`${APP}/`)) {
          return Response.json({ message: "Invalid request", code: "invalid_request", errors: [{ field: "provider", problem: "is unknown" }] }, { status: 400 });
        }
        if (api.identities.some((identity) => identity.provider === provider)) {
          return Response.json({ message: "This provider is already linked", code: "already_registered" }, { status: 409 });
        }
        return Response.json({ authorizeUrl: `https://idp.example.com/authorize?client_id=auth&state=s-${provider}` });
      }
      const unlink = /^\/users\/me\/identities\/([^/]+)$/.exec(url.pathname);
      if (unlink && method === "DELETE") {
        if (!signedIn) return unauthorized();
        const provider = decodeURIComponent(unlink[1]!);
        if (!api.identities.some((identity) => identity.provider === provider)) return Response.json({ message: "Not found", code: "not_found" }, { status: 404 });
        if (api.passwordless && api.identities.length === 1) {
          return Response.json({ message: "This is your only way to sign in", code: "last_sign_in_method" }, { status: 409 });
        }
        api.identities = api.identities.filter((identity) => identity.provider !== provider);
        return new Response(null, { status: 204 });
      }
      const choose = /^\/oauth2\/requests\/([^/]+)\/provider$/.exec(url.pathname);
      if (choose && method === "POST") {
        if (!api.requests.has(decodeURIComponent(choose[1]!))) return Response.json({ message: "Not found", code: "not_found" }, { status: 404 });
        const { provider } = body as { provider?: string };
        if (!PROVIDERS.some((known) => known.id === provider)) return Response.json({ message: "Invalid request", code: "invalid_request" }, { status: 400 });
        return Response.json({ redirectTo: `https://idp.example.com/authorize?client_id=auth&state=r-${provider}` });
      }
      return Response.json({ message: "Not found", code: "not_found" }, { status: 404 });
    },
  };
  return api;
}

function setup() {
  const api = fakeApi();
  const auth = new AuthClient({ baseUrl: BASE_URL, clientId: "web", fetch: api.fetch });
  const signIn = async () => {
    await auth.signIn({ email: USER.email, password: "correct horse battery" });
    api.seen.length = 0;
  };
  return { api, auth, signIn };
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

afterEach(() => void vi.unstubAllGlobals());

describe("the routes of issue 22 in the route table", () => {
  it("names each route with its method, path and auth as openapi.yaml has them", () => {
    expect(ROUTES.listProviders).toEqual({ method: "GET", path: "/auth/providers", auth: "none" });
    expect(ROUTES.listMyIdentities).toEqual({ method: "GET", path: "/users/me/identities", auth: "bearer" });
    expect(ROUTES.linkMyIdentity).toEqual({ method: "POST", path: "/users/me/identities", auth: "bearer" });
    expect(ROUTES.unlinkMyIdentity).toEqual({ method: "DELETE", path: "/users/me/identities/{provider}", auth: "bearer" });
    expect(ROUTES.authorizeWithProvider).toEqual({ method: "POST", path: "/oauth2/requests/{requestId}/provider", auth: "none" });
    // Where a provider sends the browser back (a query, or Apple's form_post): not calls, but routes of the API.
    expect(ROUTES.providerCallback).toEqual({ method: "GET", path: "/auth/providers/{provider}/callback", auth: "none" });
    expect(ROUTES.providerFormPostCallback).toEqual({ method: "POST", path: "/auth/providers/{provider}/callback", auth: "none" });
  });

  it("types the bodies off openapi.yaml", () => {
    expectTypeOf<IdentityProvider>().toEqualTypeOf<{ id: string; name: string }>();
    expectTypeOf<Identity>().toHaveProperty("provider");
    expectTypeOf<Identity>().toHaveProperty("linkedAt");
    expectTypeOf<Identity["email"]>().toEqualTypeOf<string | undefined>();
  });
});

describe("auth.providers()", () => {
  it("GETs /auth/providers without a token, even when signed in, and answers { id, name } of each", async () => {
    const { api, auth, signIn } = setup();
    expect(await auth.providers()).toEqual({ providers: PROVIDERS });
    await signIn();
    expect((await auth.providers()).providers.map((provider) => provider.name)).toEqual(["Local test provider", "Google"]);
    expect(api.seen).toEqual([{ method: "GET", path: "/auth/providers", authorization: null, contentType: null, body: undefined }]);
  });
});

describe("auth.me: the user's identities", () => {
  it("identities() GETs /users/me/identities with the session's token", async () => {
    const { api, auth, signIn } = setup();
    api.identities = [{ provider: "local", email: "ada@idp.example.com", linkedAt: "2026-02-01T10:00:00.000Z" }];
    await signIn();
    expect(await auth.me.identities()).toEqual({ identities: api.identities });
    expect(api.seen).toEqual([{ method: "GET", path: "/users/me/identities", authorization: "Bearer access-1", contentType: null, body: undefined }]);
  });

  it("identities() needs a session, and refreshes one whose access token stopped working", async () => {
    const { api, auth, signIn } = setup();
    expect(await rejection(auth.me.identities())).toBeInstanceOf(UnauthorizedError);
    expect(api.seen).toEqual([]);
    await signIn();
    api.expireAccessToken();
    expect(await auth.me.identities()).toEqual({ identities: [] });
    expect(api.seen.map((seen) => `${seen.method} ${seen.path} ${seen.authorization}`)).toEqual([
      "GET /users/me/identities Bearer access-1",
      "POST /auth/refresh null",
      "GET /users/me/identities Bearer access-2",
    ]);
  });

  it("linkIdentity(provider, redirectUri) POSTs both as JSON with the token and answers the authorizeUrl", async () => {
    const { api, auth, signIn } = setup();
    await signIn();
    const { authorizeUrl } = await auth.me.linkIdentity("google", `${APP}/profile`);
    expect(authorizeUrl).toBe("https://idp.example.com/authorize?client_id=auth&state=s-google");
    expect(api.seen).toEqual([
      {
        method: "POST",
        path: "/users/me/identities",
        authorization: "Bearer access-1",
        contentType: "application/json",
        body: { provider: "google", redirectUri: `${APP}/profile` },
      },
    ]);
  });

  it("linkIdentity refuses with the API's typed errors: 400 invalid_request (unknown provider, redirect elsewhere), 409 already_registered", async () => {
    const { api, auth, signIn } = setup();
    await signIn();
    for (const [provider, redirectUri] of [
      ["github", `${APP}/profile`],
      ["google", "https://evil.example.net/profile"],
    ] as const) {
      const error = await rejection(auth.me.linkIdentity(provider, redirectUri));
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.code).toBe("invalid_request");
    }
    api.identities = [{ provider: "google", linkedAt: "2026-02-01T10:00:00.000Z" }];
    const linked = await rejection(auth.me.linkIdentity("google", `${APP}/profile`));
    expect(linked).toBeInstanceOf(ConflictError);
    expect(linked.code).toBe("already_registered");
  });

  it("linkIdentityWithRedirect sends the browser to the authorizeUrl", async () => {
    const { auth, signIn } = setup();
    await signIn();
    const assign = vi.fn();
    vi.stubGlobal("location", { assign });
    await auth.me.linkIdentityWithRedirect("local", `${APP}/profile`);
    expect(assign.mock.calls).toEqual([["https://idp.example.com/authorize?client_id=auth&state=s-local"]]);
  });

  it("linkIdentityWithRedirect leaves the page alone when the API refuses, and needs a browser", async () => {
    const { api, auth, signIn } = setup();
    await signIn();
    const assign = vi.fn();
    vi.stubGlobal("location", { assign });
    expect(await rejection(auth.me.linkIdentityWithRedirect("nope", `${APP}/profile`))).toBeInstanceOf(BadRequestError);
    expect(assign).not.toHaveBeenCalled();
    vi.unstubAllGlobals();
    api.seen.length = 0;
    expect(await rejection(auth.me.linkIdentityWithRedirect("local", `${APP}/profile`))).toBeInstanceOf(TypeError);
    expect(api.seen).toEqual([]);
  });

  it("unlinkIdentity(provider) DELETEs /users/me/identities/{provider} (encoded) with the token; 204 answers nothing", async () => {
    const { api, auth, signIn } = setup();
    api.identities = [
      { provider: "local", email: "ada@idp.example.com", linkedAt: "2026-02-01T10:00:00.000Z" },
      { provider: "google", linkedAt: "2026-02-02T10:00:00.000Z" },
    ];
    await signIn();
    expect(await auth.me.unlinkIdentity("local")).toBeUndefined();
    expect(api.seen).toEqual([{ method: "DELETE", path: "/users/me/identities/local", authorization: "Bearer access-1", contentType: null, body: undefined }]);
    expect((await auth.me.identities()).identities.map((identity) => identity.provider)).toEqual(["google"]);
    // A provider id is one path segment, whatever it holds.
    expect(await rejection(auth.me.unlinkIdentity("a/b"))).toBeInstanceOf(NotFoundError);
    expect(api.seen.at(-1)?.path).toBe("/users/me/identities/a%2Fb");
  });

  it("unlinkIdentity: 404 not_found for a provider not linked, 409 last_sign_in_method for the only way in (the session stays)", async () => {
    const { api, auth, signIn } = setup();
    api.passwordless = true;
    api.identities = [{ provider: "local", linkedAt: "2026-02-01T10:00:00.000Z" }];
    await signIn();
    const missing = await rejection(auth.me.unlinkIdentity("google"));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.code).toBe("not_found");
    const last = await rejection(auth.me.unlinkIdentity("local"));
    expect(last).toBeInstanceOf(ConflictError);
    expect(last.code).toBe("last_sign_in_method");
    expect(last.status).toBe(409);
    expect(await auth.getSession()).not.toBeNull();
    expect(api.identities).toHaveLength(1);
  });
});

describe("auth.authorization.withProvider: the hosted page's Continue with <name>", () => {
  it("POSTs { provider } to /oauth2/requests/{requestId}/provider without a token and answers the provider's URL", async () => {
    const { api, auth, signIn } = setup();
    await signIn();
    expect(await auth.authorization.withProvider("req-1", "local")).toEqual({ redirectTo: "https://idp.example.com/authorize?client_id=auth&state=r-local" });
    expect(api.seen).toEqual([
      { method: "POST", path: "/oauth2/requests/req-1/provider", authorization: null, contentType: "application/json", body: { provider: "local" } },
    ]);
  });

  it("404 not_found for a request that is unknown, expired or finished; 400 invalid_request for an unknown provider", async () => {
    const { auth } = setup();
    expect(await rejection(auth.authorization.withProvider("req-gone", "local"))).toBeInstanceOf(NotFoundError);
    const unknown = await rejection(auth.authorization.withProvider("req-1", "github"));
    expect(unknown).toBeInstanceOf(BadRequestError);
    expect(unknown.code).toBe("invalid_request");
  });
});

describe("a redirect sign-in through a provider", () => {
  it("goes straight to the provider: signInWithRedirect({ provider }) sends the browser to /oauth2/authorize with provider=<id>", async () => {
    const { auth } = setup();
    const assign = vi.fn();
    vi.stubGlobal("location", { assign });
    await auth.signInWithRedirect({ redirectUri: `${APP}/callback`, provider: "local" });
    const url = new URL(assign.mock.calls[0]![0] as string);
    expect(`${url.origin}${url.pathname}`).toBe(`${BASE_URL}/oauth2/authorize`);
    expect(url.searchParams.get("provider")).toBe("local");
    expect(url.searchParams.get("client_id")).toBe("web");
    expect(url.searchParams.get("redirect_uri")).toBe(`${APP}/callback`);
  });

  it("a refusal by the callback reaches the app as access_denied, its description (with the callback's code) as the message, and nothing kept", async () => {
    const { api, auth } = setup();
    const started = new URL(await auth.authorizationUrl({ redirectUri: `${APP}/callback`, provider: "local" }));
    const answer = new URL(`${APP}/callback`);
    answer.searchParams.set("error", "access_denied");
    answer.searchParams.set("error_description", "account_exists: An account with this email exists; sign in and link the provider from your profile");
    answer.searchParams.set("state", started.searchParams.get("state")!);
    answer.searchParams.set("iss", BASE_URL);
    const error = await rejection(auth.handleRedirectCallback(answer));
    expect(error).toBeInstanceOf(AuthorizationError);
    expect(error.code).toBe("access_denied");
    expect(error.message).toMatch(/^account_exists: /);
    expect(await auth.getSession()).toBeNull();
    expect(api.seen).toEqual([]);
  });
});
