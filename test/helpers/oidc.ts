// Drives the OpenID provider of a running stack (test/helpers/stack.ts) the way
// a relying party and the hosted sign-in page do, without a browser:
//
//   GET /oauth2/authorize (redirect: manual)
//     -> 302 Location <APP_URL>/authorize?request=<id>       (the hosted page)
//   POST /auth/signin                                          (its first-party session)
//   POST /oauth2/requests/{id}/complete  (bearer)              -> { redirectTo }
//     -> <redirect_uri>?code=...&state=...                     (the relying party takes over)
//
// Plus what the tests around it need: accounts, an admin (npm run grant-role),
// client registration over the admin routes, raw token-endpoint calls and
// openid-client configurations for this issuer (plain http allowed locally).
// Plain fetch throughout: the /oauth2 routes speak forms, redirects and HTML.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import * as oidcClient from "openid-client";
import { expect } from "vitest";
import { PASSWORD, uniqueEmail, uniqueUsername } from "./fixtures.js";
import { signInAtLocalIdp } from "./local-idp.js";

export interface OidcStack {
  baseUrl: string;
  appUrl: string;
  dataDir: string;
}

export interface Account {
  email: string;
  password: string;
  username: string;
  name: string;
  userId: string;
  /** The first-party session of the JSON routes (what the hosted page holds). */
  accessToken: string;
  refreshToken: string;
}

export interface RegisteredClient {
  clientId: string;
  name: string;
  type: "public" | "confidential";
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  audience: string;
  createdAt: string;
}

export interface ClientInput {
  name?: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  type?: "public" | "confidential";
  grantTypes?: string[];
  audience?: string;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON body, when it is JSON. */
  body: any;
}

/** How a client authenticates at the token and revocation endpoints. */
export type ClientCredentials =
  | { method: "none"; clientId: string }
  | { method: "client_secret_basic" | "client_secret_post"; clientId: string; clientSecret: string };

/** The authorization answer: a redirect to the hosted page, an error redirect, or an error page. */
export interface AuthorizationStart {
  status: number;
  headers: Headers;
  text: string;
  location: URL | null;
  /** The hosted page's request id, when the answer sends the browser there. */
  requestId: string | null;
}

/** Who completes the hosted page: credentials (signed in after the request was made) or a session already held. */
export type Signer = { email: string; password: string } | { session: string };

/** Form encoding as RFC 6749 appendix B wants it for client credentials in Basic (application/x-www-form-urlencoded). */
const formEncode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** A PKCE pair, a state and a nonce, made by openid-client. */
export async function pkce(): Promise<{ verifier: string; challenge: string; state: string; nonce: string }> {
  const verifier = oidcClient.randomPKCECodeVerifier();
  return { verifier, challenge: await oidcClient.calculatePKCECodeChallenge(verifier), state: oidcClient.randomState(), nonce: oidcClient.randomNonce() };
}

export function oidc(stack: OidcStack) {
  const { baseUrl, appUrl } = stack;
  let adminAccount: Promise<Account> | undefined;

  async function call(method: string, path: string, options: { token?: string; json?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    return answer(await fetch(baseUrl + path, { method, headers, body, redirect: "manual" }));
  }

  /** A new account (with a username and a name, so that the profile scope has something to say) and its first-party session. */
  async function signup(label = "rp"): Promise<Account> {
    const email = uniqueEmail(label);
    const username = uniqueUsername(label.replace(/[^a-z0-9_]/gi, "_"));
    const name = `Test ${label} ${randomUUID().slice(0, 4)}`;
    const reply = await call("POST", "/auth/signup", { json: { email, password: PASSWORD, username, name } });
    expect(reply.status, reply.text).toBe(201);
    return {
      email,
      password: PASSWORD,
      username,
      name,
      userId: reply.body.user.id,
      accessToken: reply.body.accessToken,
      refreshToken: reply.body.refreshToken,
    };
  }

  /** A new first-party session (POST /auth/signin), as the hosted page gets one. */
  async function signin(email: string, password: string): Promise<{ accessToken: string; refreshToken: string }> {
    const reply = await call("POST", "/auth/signin", { json: { email, password } });
    expect(reply.status, reply.text).toBe(200);
    return { accessToken: reply.body.accessToken, refreshToken: reply.body.refreshToken };
  }

  /** `npm run grant-role -- <email> <role>` on the stack's database, as an operator makes the first admin. */
  async function grantRole(email: string, role: string): Promise<void> {
    await promisify(execFile)("npm", ["run", "-s", "grant-role", "--", email, role], {
      env: { ...process.env, AUTH_DATA_DIR: stack.dataDir },
    });
  }

  /** One admin per stack (made on first use): the one who registers clients. */
  function admin(): Promise<Account> {
    adminAccount ??= (async () => {
      const account = await signup("admin");
      await grantRole(account.email, "admin");
      return account;
    })();
    return adminAccount;
  }

  /** POST /oauth2/clients as the admin; 201 expected. */
  async function registerClient(input: ClientInput = {}): Promise<{ client: RegisteredClient; clientSecret?: string }> {
    // A machine-only client (no authorization_code grant) is registered without a redirect URI.
    const codeFlow = !input.grantTypes || input.grantTypes.includes("authorization_code");
    const redirectUris = input.redirectUris ?? (codeFlow ? ["http://localhost:9999/callback"] : undefined);
    const body = {
      name: input.name ?? `RP ${randomUUID().slice(0, 8)}`,
      ...(redirectUris && { redirectUris }),
      type: input.type ?? "public",
      ...(input.postLogoutRedirectUris ? { postLogoutRedirectUris: input.postLogoutRedirectUris } : {}),
      ...(input.grantTypes ? { grantTypes: input.grantTypes } : {}),
      ...(input.audience ? { audience: input.audience } : {}),
    };
    const reply = await call("POST", "/oauth2/clients", { token: (await admin()).accessToken, json: body });
    expect(reply.status, `POST /oauth2/clients ${JSON.stringify(body)}: ${reply.text}`).toBe(201);
    return reply.body;
  }

  async function deleteClient(clientId: string): Promise<void> {
    const reply = await call("DELETE", `/oauth2/clients/${encodeURIComponent(clientId)}`, { token: (await admin()).accessToken });
    expect(reply.status, reply.text).toBe(204);
  }

  /** The authorization URL of the stack's authorization endpoint with these parameters (no defaults). */
  function authorizationUrl(params: Record<string, string>): URL {
    const url = new URL(`${baseUrl}/oauth2/authorize`);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url;
  }

  /** GET the authorization URL as a browser would, without following the redirect. */
  async function startAuthorization(url: URL | string): Promise<AuthorizationStart> {
    const response = await fetch(url, { redirect: "manual" });
    const text = await response.text();
    const raw = response.headers.get("location");
    const location = raw === null ? null : new URL(raw, url);
    let requestId: string | null = null;
    if (location && location.origin === new URL(appUrl).origin && location.pathname === "/authorize") {
      requestId = location.searchParams.get("request");
    }
    return { status: response.status, headers: response.headers, text, location, requestId };
  }

  /** GET /oauth2/requests/{id}: what the hosted page shows. */
  const hostedRequest = (requestId: string) => call("GET", `/oauth2/requests/${encodeURIComponent(requestId)}`);

  /** POST /oauth2/requests/{id}/complete with the hosted page's session. */
  const complete = (requestId: string, accessToken: string) =>
    call("POST", `/oauth2/requests/${encodeURIComponent(requestId)}/complete`, { token: accessToken, json: {} });

  const cancel = (requestId: string) => call("POST", `/oauth2/requests/${encodeURIComponent(requestId)}/cancel`, { json: {} });

  /**
   * The whole front channel: the authorization request, the hosted page's sign-in (or
   * the session it already holds) and its completion. Answers the URL the browser is
   * sent to at the end (the client's redirect URI with `code` and `state`).
   */
  async function authorize(url: URL | string, signer: Signer): Promise<URL> {
    const start = await startAuthorization(url);
    expect(start.status, `GET ${url}: ${start.text}`).toBe(302);
    expect(start.requestId, `GET ${url} should send the browser to ${appUrl}/authorize?request=<id>, went to ${start.location}`).toBeTruthy();
    const shown = await hostedRequest(start.requestId!);
    expect(shown.status, shown.text).toBe(200);
    const accessToken = "session" in signer ? signer.session : (await signin(signer.email, signer.password)).accessToken;
    const done = await complete(start.requestId!, accessToken);
    expect(done.status, `complete: ${done.text}`).toBe(200);
    expect(typeof done.body?.redirectTo, done.text).toBe("string");
    return new URL(done.body.redirectTo);
  }

  /** POST a form to the token endpoint (or another form route) with the client's authentication. */
  async function postForm(path: string, params: Record<string, string>, credentials?: ClientCredentials): Promise<Answer> {
    const form = new URLSearchParams(params);
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    if (credentials?.method === "client_secret_basic") {
      headers.authorization = `Basic ${Buffer.from(`${formEncode(credentials.clientId)}:${formEncode(credentials.clientSecret)}`).toString("base64")}`;
    } else if (credentials?.method === "client_secret_post") {
      form.set("client_id", credentials.clientId);
      form.set("client_secret", credentials.clientSecret);
    } else if (credentials?.method === "none") {
      form.set("client_id", credentials.clientId);
    }
    return answer(await fetch(baseUrl + path, { method: "POST", headers, body: form.toString(), redirect: "manual" }));
  }

  const token = (params: Record<string, string>, credentials?: ClientCredentials) => postForm("/oauth2/token", params, credentials);
  const revoke = (params: Record<string, string>, credentials?: ClientCredentials) => postForm("/oauth2/revoke", params, credentials);

  /** The status of GET `path` with a bearer token. */
  async function status(path: string, accessToken: string): Promise<number> {
    return (await call("GET", path, { token: accessToken })).status;
  }

  /** How many sessions the user has (GET /users/me/sessions with a first-party token). */
  async function sessionCount(accessToken: string): Promise<number> {
    const reply = await call("GET", "/users/me/sessions", { token: accessToken });
    expect(reply.status, reply.text).toBe(200);
    return reply.body.sessions.length;
  }

  /**
   * An openid-client Configuration for a client of this issuer (discovery at
   * `/.well-known/openid-configuration`, or RFC 8414's path with `algorithm: "oauth2"`),
   * plain http allowed (local stack), ID token signatures checked against the JWK Set.
   */
  async function relyingParty(
    clientId: string,
    options: { clientSecret?: string; auth?: "client_secret_basic" | "client_secret_post" | "none"; algorithm?: "oidc" | "oauth2" } = {},
  ): Promise<oidcClient.Configuration> {
    const auth = options.auth ?? (options.clientSecret ? "client_secret_basic" : "none");
    const clientAuth =
      auth === "none"
        ? oidcClient.None()
        : auth === "client_secret_post"
          ? oidcClient.ClientSecretPost(options.clientSecret)
          : oidcClient.ClientSecretBasic(options.clientSecret);
    return oidcClient.discovery(new URL(baseUrl), clientId, options.clientSecret, clientAuth, {
      execute: [oidcClient.allowInsecureRequests, oidcClient.enableNonRepudiationChecks],
      algorithm: options.algorithm ?? "oidc",
    });
  }

  return {
    baseUrl,
    appUrl,
    call,
    signup,
    signin,
    grantRole,
    admin,
    registerClient,
    deleteClient,
    authorizationUrl,
    startAuthorization,
    hostedRequest,
    complete,
    cancel,
    authorize,
    postForm,
    token,
    revoke,
    status,
    sessionCount,
    relyingParty,
  };
}

export type Oidc = ReturnType<typeof oidc>;

export interface CodeFlowOptions {
  redirectUri: string;
  signer: Signer;
  scope?: string;
  /** More authorization request parameters (prompt, login_hint, ...). */
  extra?: Record<string, string>;
  state?: string;
  nonce?: string;
}

/**
 * A relying party's sign-in with openid-client: buildAuthorizationUrl (PKCE S256,
 * state, nonce), the hosted page driven by `kit.authorize`, then
 * authorizationCodeGrant, which validates the ID token (signature by the JWK Set,
 * iss, aud, exp, iat, nonce) and the state.
 */
export async function codeFlow(kit: Oidc, config: oidcClient.Configuration, options: CodeFlowOptions) {
  const verifier = oidcClient.randomPKCECodeVerifier();
  const state = options.state ?? oidcClient.randomState();
  const nonce = options.nonce ?? oidcClient.randomNonce();
  const url = oidcClient.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: options.scope ?? "openid email profile offline_access",
    code_challenge: await oidcClient.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    ...options.extra,
  });
  const callback = await kit.authorize(url, options.signer);
  const tokens = await oidcClient.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  return { tokens, verifier, state, nonce, callback, url };
}

/**
 * A relying party's sign-in straight through the local test provider
 * (`provider=local`, no hosted page), to its tokens; the ID token's sub is our user.
 */
export async function localProviderSignin(kit: Oidc, config: oidcClient.Configuration, redirectUri: string, email: string) {
  const { verifier, challenge, state, nonce } = await pkce();
  const url = kit.authorizationUrl({
    response_type: "code",
    client_id: config.clientMetadata().client_id,
    redirect_uri: redirectUri,
    scope: "openid email profile",
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
    provider: "local",
  });
  const trip = await signInAtLocalIdp(url, email);
  expect(trip.reply!.status, `our callback answered ${trip.reply!.status}: ${trip.reply!.text}`).toBe(302);
  expect(trip.location!.searchParams.get("error"), trip.location!.href).toBeNull();
  const tokens = await oidcClient.authorizationCodeGrant(config, trip.location!, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  return { tokens, sub: tokens.claims()!.sub };
}

/** An RFC 6749 error answer of the token or revocation endpoint: the status, JSON, `error` as given, and no token in it. */
export function expectOAuthError(reply: Answer, status: number, error: string | string[]): void {
  const errors = Array.isArray(error) ? error : [error];
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get("content-type"), reply.text).toMatch(/application\/json/);
  expect(errors, reply.text).toContain(reply.body?.error);
  if (reply.body?.error_description !== undefined) expect(typeof reply.body.error_description).toBe("string");
  expect(reply.body).not.toHaveProperty("access_token");
  expect(reply.body).not.toHaveProperty("id_token");
  expect(reply.body).not.toHaveProperty("refresh_token");
  expect(reply.text).not.toMatch(/Exception|\bat \S+:\d+|node_modules|\.ts\b|DynamoDB|ConditionalCheck/i);
}

/** An error redirect to the client (RFC 6749 4.1.2.1): to the redirect URI, with `error` and the `state` sent, and no code. */
export function expectErrorRedirect(start: AuthorizationStart, redirectUri: string, error: string, state: string): void {
  expect(start.status, start.text).toBe(302);
  expect(start.location, "a Location header").not.toBeNull();
  const location = start.location!;
  expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
  expect(location.searchParams.get("error"), location.href).toBe(error);
  expect(location.searchParams.get("state"), location.href).toBe(state);
  expect(location.searchParams.has("code"), location.href).toBe(false);
}

/** An error page (never a redirect): 400, HTML, no Location header. */
export function expectErrorPage(start: AuthorizationStart): void {
  expect(start.status, start.text).toBe(400);
  expect(start.headers.get("location"), "no Location header").toBeNull();
  expect(start.headers.get("content-type") ?? "", start.text).toMatch(/text\/html/);
  expect(start.text).not.toMatch(/Exception|\bat \S+:\d+|node_modules|\.ts\b|DynamoDB/i);
}
