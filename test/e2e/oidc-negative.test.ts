// The OpenID provider's refusals, over the real stack, each checked for its
// RFC 6749 / OpenID Connect error and for having issued nothing: codes used
// twice (and the tokens of the first exchange ending), wrong or missing PKCE,
// unregistered redirect URIs and unknown clients (an error page, never a
// redirect), a redirect URI that differs at the token endpoint, wrong client
// secrets, grants a client may not use, expired codes, codes of another
// client, prompt=login with an older session, odd `state` and `nonce` passed
// through unchanged, and a deleted client's refresh token.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jwtPayload } from "../helpers/fixtures.js";
import {
  expectErrorPage,
  expectErrorRedirect,
  expectOAuthError,
  oidc,
  pkce,
  type Account,
  type ClientCredentials,
  type Oidc,
  type RegisteredClient,
  type Signer,
} from "../helpers/oidc.js";
import { startStack, type Stack } from "../helpers/stack.js";

/**
 * The code lifetime, shortened from the contract's 60 s on this stack
 * (AUTHORIZATION_CODE_TTL_SECONDS) but long enough for every other test's
 * immediate exchange on a loaded machine; the expiry test's code is made in
 * beforeAll and ages while the rest of the file runs.
 */
const CODE_TTL_SECONDS = 15;

let stack: Stack;
let kit: Oidc;
let alpha: RegisteredClient; // public, two redirect URIs
let beta: RegisteredClient; // public
let gamma: RegisteredClient; // confidential: code, refresh, client credentials
let gammaSecret: string;
let delta: RegisteredClient; // confidential, code flow only
let deltaSecret: string;
let aged: { account: Account; authorized: Authorized; at: number };

const ALPHA_1 = "http://localhost:7001/callback";
const ALPHA_2 = "http://localhost:7001/other-callback";
const BETA_1 = "http://localhost:7002/callback";
const GAMMA_1 = "https://gamma.example.com/cb";
const DELTA_1 = "https://delta.example.com/cb";

beforeAll(async () => {
  stack = await startStack({ env: { AUTHORIZATION_CODE_TTL_SECONDS: String(CODE_TTL_SECONDS) } });
  kit = oidc(stack);
  const registered = await Promise.all([
    kit.registerClient({ name: "Alpha", type: "public", redirectUris: [ALPHA_1, ALPHA_2] }),
    kit.registerClient({ name: "Beta", type: "public", redirectUris: [BETA_1] }),
    kit.registerClient({ name: "Gamma", type: "confidential", redirectUris: [GAMMA_1], grantTypes: ["authorization_code", "refresh_token", "client_credentials"] }),
    kit.registerClient({ name: "Delta", type: "confidential", redirectUris: [DELTA_1] }),
  ]);
  [alpha, beta, gamma, delta] = registered.map((entry) => entry.client);
  gammaSecret = registered[2]!.clientSecret!;
  deltaSecret = registered[3]!.clientSecret!;
  // A code for the expiry test, made first so that it ages while the other tests run.
  const account = await kit.signup();
  aged = { account, authorized: await authorizeCode(alpha, ALPHA_1, account), at: Date.now() };
});

afterAll(async () => {
  await stack?.stop();
});

const asPublic = (client: RegisteredClient): ClientCredentials => ({ method: "none", clientId: client.clientId });

interface Authorized {
  code: string;
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  callback: URL;
}

/**
 * An authorization of `client` at `redirectUri` completed through the hosted page (by
 * default with the account's existing first-party session, so that no other session is
 * made on the way and session counts show what the token endpoint issued).
 */
async function authorizeCode(
  client: RegisteredClient,
  redirectUri: string,
  account: Account,
  options: { scope?: string; state?: string; nonce?: string; signer?: Signer; extra?: Record<string, string> } = {},
): Promise<Authorized> {
  const { verifier, challenge, state, nonce } = await pkce();
  const finalState = options.state ?? state;
  const finalNonce = options.nonce ?? nonce;
  const url = kit.authorizationUrl({
    response_type: "code",
    client_id: client.clientId,
    redirect_uri: redirectUri,
    scope: options.scope ?? "openid email profile",
    state: finalState,
    nonce: finalNonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...options.extra,
  });
  const callback = await kit.authorize(url, options.signer ?? { session: account.accessToken });
  expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
  expect(callback.searchParams.get("state")).toBe(finalState);
  expect(callback.searchParams.has("error"), callback.href).toBe(false);
  const code = callback.searchParams.get("code");
  expect(code, callback.href).toBeTruthy();
  return { code: code!, state: finalState, nonce: finalNonce, verifier, redirectUri, callback };
}

const exchange = (authorized: Authorized, credentials: ClientCredentials, override: Record<string, string> = {}) =>
  kit.token(
    { grant_type: "authorization_code", code: authorized.code, redirect_uri: authorized.redirectUri, code_verifier: authorized.verifier, ...override },
    credentials,
  );

/** A well-formed authorization request of a public client, for the authorization endpoint's refusals. */
async function requestParams(client: RegisteredClient, redirectUri: string, state = "state-1234") {
  const { challenge } = await pkce();
  return {
    response_type: "code",
    client_id: client.clientId,
    redirect_uri: redirectUri,
    scope: "openid",
    state,
    nonce: "nonce-1234",
    code_challenge: challenge,
    code_challenge_method: "S256",
  };
}

const without = (params: Record<string, string>, ...names: string[]) =>
  Object.fromEntries(Object.entries(params).filter(([name]) => !names.includes(name)));

describe.concurrent("the authorization endpoint refuses", { timeout: 90_000 }, () => {
  it("a request without code_challenge, or with the plain method, or a malformed challenge: invalid_request to the client, no code", async () => {
    const params = await requestParams(alpha, ALPHA_1, "s:missing-pkce");
    expectErrorRedirect(await kit.startAuthorization(kit.authorizationUrl(without(params, "code_challenge", "code_challenge_method"))), ALPHA_1, "invalid_request", params.state);
    expectErrorRedirect(await kit.startAuthorization(kit.authorizationUrl(without(params, "code_challenge"))), ALPHA_1, "invalid_request", params.state);
    const plainVerifier = "a".repeat(43);
    expectErrorRedirect(
      await kit.startAuthorization(kit.authorizationUrl({ ...params, code_challenge: plainVerifier, code_challenge_method: "plain" })),
      ALPHA_1,
      "invalid_request",
      params.state,
    );
    expectErrorRedirect(await kit.startAuthorization(kit.authorizationUrl(without(params, "code_challenge_method"))), ALPHA_1, "invalid_request", params.state);
    expectErrorRedirect(await kit.startAuthorization(kit.authorizationUrl({ ...params, code_challenge: "too-short" })), ALPHA_1, "invalid_request", params.state);
    // The same request with a proper challenge goes to the hosted page.
    const good = await kit.startAuthorization(kit.authorizationUrl(params));
    expect(good.status).toBe(302);
    expect(good.requestId, String(good.location)).toBeTruthy();
  });

  it("an unregistered redirect URI (even one character off) or an unknown client: a 400 HTML error page, never a redirect", async () => {
    const params = await requestParams(alpha, ALPHA_1);
    for (const redirectUri of [
      "https://evil.example.com/callback",
      `${ALPHA_1}/`,
      `${ALPHA_1}?next=1`,
      ALPHA_1.replace("7001", "7003"),
      ALPHA_1.replace("http:", "https:"),
      BETA_1, // another client's
    ]) {
      const start = await kit.startAuthorization(kit.authorizationUrl({ ...params, redirect_uri: redirectUri }));
      expectErrorPage(start);
    }
    // Not even a bad request of another kind escapes to an unregistered URI.
    expectErrorPage(await kit.startAuthorization(kit.authorizationUrl({ ...without(params, "code_challenge"), redirect_uri: "https://evil.example.com/callback" })));
    for (const clientId of ["no-such-client", "0000000000000000000000"]) {
      expectErrorPage(await kit.startAuthorization(kit.authorizationUrl({ ...params, client_id: clientId })));
    }
    expectErrorPage(await kit.startAuthorization(kit.authorizationUrl(without(params, "client_id"))));
  });

  it("response_type other than code, an unknown scope, and prompt=none: their RFC errors to the client", async () => {
    const params = await requestParams(alpha, ALPHA_1, "s:other");
    expectErrorRedirect(await kit.startAuthorization(kit.authorizationUrl({ ...params, response_type: "token" })), ALPHA_1, "unsupported_response_type", params.state);
    expectErrorRedirect(await kit.startAuthorization(kit.authorizationUrl({ ...params, scope: "openid admin" })), ALPHA_1, "invalid_scope", params.state);
    expectErrorRedirect(await kit.startAuthorization(kit.authorizationUrl({ ...params, prompt: "none" })), ALPHA_1, "login_required", params.state);
  });
});

describe.concurrent("the token endpoint refuses", { timeout: 90_000 }, () => {
  it("a code used twice: invalid_grant, and the tokens of the first exchange stop working", async () => {
    const account = await kit.signup();
    const authorized = await authorizeCode(alpha, ALPHA_1, account, { scope: "openid offline_access" });
    const first = await exchange(authorized, asPublic(alpha));
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get("content-type")).toMatch(/application\/json/);
    expect(first.headers.get("cache-control")).toMatch(/no-store/);
    expect(first.body.token_type).toBe("Bearer");
    expect(typeof first.body.id_token).toBe("string");
    expect(await kit.status("/users/me", first.body.access_token)).toBe(200);
    const sessions = await kit.sessionCount(account.accessToken);

    expectOAuthError(await exchange(authorized, asPublic(alpha)), 400, "invalid_grant");
    expect(await kit.status("/users/me", first.body.access_token)).toBe(401);
    expect(await kit.status("/messages/protected", first.body.access_token)).toBe(401);
    expectOAuthError(await kit.token({ grant_type: "refresh_token", refresh_token: first.body.refresh_token }, asPublic(alpha)), 400, "invalid_grant");
    expect(await kit.sessionCount(account.accessToken)).toBe(sessions - 1);
    // The user's own session is not the client's: it lives on.
    expect(await kit.status("/users/me", account.accessToken)).toBe(200);
  });

  it("a code used twice at once: exactly one exchange succeeds", async () => {
    const account = await kit.signup();
    const authorized = await authorizeCode(alpha, ALPHA_1, account);
    const replies = await Promise.all(Array.from({ length: 4 }, () => exchange(authorized, asPublic(alpha))));
    expect(replies.filter((reply) => reply.status === 200)).toHaveLength(1);
    for (const reply of replies.filter((r) => r.status !== 200)) expectOAuthError(reply, 400, "invalid_grant");
  });

  it("a wrong or missing code_verifier: no tokens, no session", async () => {
    const account = await kit.signup();
    const sessions = await kit.sessionCount(account.accessToken);
    const authorized = await authorizeCode(alpha, ALPHA_1, account);
    const { verifier: otherVerifier } = await pkce();
    expectOAuthError(await exchange(authorized, asPublic(alpha), { code_verifier: otherVerifier }), 400, "invalid_grant");
    expectOAuthError(await exchange(authorized, asPublic(alpha), { code_verifier: "" }), 400, ["invalid_request", "invalid_grant"]);
    const noVerifier = await kit.token({ grant_type: "authorization_code", code: authorized.code, redirect_uri: ALPHA_1 }, asPublic(alpha));
    expectOAuthError(noVerifier, 400, ["invalid_request", "invalid_grant"]);
    expect(await kit.sessionCount(account.accessToken)).toBe(sessions);
  });

  it("a redirect_uri other than the authorization's, or none: invalid_grant / invalid_request, nothing issued", async () => {
    const account = await kit.signup();
    const sessions = await kit.sessionCount(account.accessToken);
    const authorized = await authorizeCode(alpha, ALPHA_1, account);
    expectOAuthError(await exchange(authorized, asPublic(alpha), { redirect_uri: ALPHA_2 }), 400, "invalid_grant");
    const missing = await kit.token({ grant_type: "authorization_code", code: authorized.code, code_verifier: authorized.verifier }, asPublic(alpha));
    expectOAuthError(missing, 400, ["invalid_request", "invalid_grant"]);
    expect(await kit.sessionCount(account.accessToken)).toBe(sessions);
  });

  it("a code of another client: invalid_grant, whoever presents it", async () => {
    const account = await kit.signup();
    const sessions = await kit.sessionCount(account.accessToken);
    const authorized = await authorizeCode(alpha, ALPHA_1, account);
    expectOAuthError(await exchange(authorized, asPublic(beta)), 400, "invalid_grant");
    expectOAuthError(await exchange(authorized, asPublic(beta), { redirect_uri: BETA_1 }), 400, "invalid_grant");
    expectOAuthError(await exchange(authorized, { method: "client_secret_basic", clientId: gamma.clientId, clientSecret: gammaSecret }), 400, "invalid_grant");
    expect(await kit.sessionCount(account.accessToken)).toBe(sessions);
  });

  it("a wrong client secret (basic and post), a missing one, an unknown client: 401 invalid_client", async () => {
    const account = await kit.signup();
    const sessions = await kit.sessionCount(account.accessToken);
    const authorized = await authorizeCode(gamma, GAMMA_1, account);
    const wrong = `${gammaSecret.slice(0, -2)}xx`;
    const basic = await exchange(authorized, { method: "client_secret_basic", clientId: gamma.clientId, clientSecret: wrong });
    expectOAuthError(basic, 401, "invalid_client");
    // RFC 6749 5.2: a client that tried Basic authentication gets the Basic challenge.
    expect(basic.headers.get("www-authenticate") ?? "").toMatch(/^Basic\b/i);
    expectOAuthError(await exchange(authorized, { method: "client_secret_post", clientId: gamma.clientId, clientSecret: wrong }), 401, "invalid_client");
    expectOAuthError(await exchange(authorized, { method: "client_secret_post", clientId: gamma.clientId, clientSecret: deltaSecret }), 401, "invalid_client");
    expectOAuthError(await exchange(authorized, asPublic(gamma)), 401, "invalid_client");
    expectOAuthError(await exchange(authorized, { method: "client_secret_basic", clientId: "no-such-client", clientSecret: gammaSecret }), 401, "invalid_client");
    for (const method of ["client_secret_basic", "client_secret_post"] as const) {
      expectOAuthError(await kit.token({ grant_type: "client_credentials" }, { method, clientId: gamma.clientId, clientSecret: wrong }), 401, "invalid_client");
    }
    expect(await kit.sessionCount(account.accessToken)).toBe(sessions);
    // The right secret still gets a machine token: the refusals were about the secret.
    const right = await kit.token({ grant_type: "client_credentials" }, { method: "client_secret_basic", clientId: gamma.clientId, clientSecret: gammaSecret });
    expect(right.status, right.text).toBe(200);
  });

  it("client_credentials for a public client or a client without that grant; an unknown grant type", async () => {
    // RFC 6749 allows either: the public client is not authorized for the grant, or cannot authenticate as it needs.
    const publicTry = await kit.token({ grant_type: "client_credentials" }, asPublic(alpha));
    expect([400, 401], publicTry.text).toContain(publicTry.status);
    expectOAuthError(publicTry, publicTry.status, publicTry.status === 401 ? "invalid_client" : "unauthorized_client");
    const deltaTry = await kit.token({ grant_type: "client_credentials" }, { method: "client_secret_post", clientId: delta.clientId, clientSecret: deltaSecret });
    expectOAuthError(deltaTry, 400, "unauthorized_client");
    const password = await kit.token({ grant_type: "password", username: "x@example.com", password: "whatever" }, asPublic(alpha));
    expectOAuthError(password, 400, "unsupported_grant_type");
    expectOAuthError(await kit.token({}, asPublic(alpha)), 400, ["invalid_request", "unsupported_grant_type"]);
  });

  it("a code whose hosted-page session ended before the exchange: invalid_grant", async () => {
    const account = await kit.signup();
    const hosted = await kit.signin(account.email, account.password);
    const authorized = await authorizeCode(alpha, ALPHA_1, account, { signer: { session: hosted.accessToken } });
    const signout = await kit.call("POST", "/auth/signout", { token: hosted.accessToken, json: {} });
    expect(signout.status, signout.text).toBe(204);
    const sessions = await kit.sessionCount(account.accessToken);
    expectOAuthError(await exchange(authorized, asPublic(alpha)), 400, "invalid_grant");
    expect(await kit.sessionCount(account.accessToken)).toBe(sessions);
  });

  it("a deleted client's refresh token, at either refresh route", async () => {
    const { client } = await kit.registerClient({ name: "Soon gone", type: "public", redirectUris: [ALPHA_1] });
    const account = await kit.signup();
    const authorized = await authorizeCode(client, ALPHA_1, account, { scope: "openid offline_access" });
    const tokens = await exchange(authorized, asPublic(client));
    expect(tokens.status, tokens.text).toBe(200);
    expect(typeof tokens.body.refresh_token).toBe("string");
    await kit.deleteClient(client.clientId);
    const viaToken = await kit.token({ grant_type: "refresh_token", refresh_token: tokens.body.refresh_token }, asPublic(client));
    expectOAuthError(viaToken, viaToken.status === 401 ? 401 : 400, viaToken.status === 401 ? "invalid_client" : "invalid_grant");
    const viaJson = await kit.call("POST", "/auth/refresh", { json: { refreshToken: tokens.body.refresh_token } });
    expect(viaJson.status, viaJson.text).toBe(401);
    expect(viaJson.body.code).toBe("invalid_refresh_token");
    expect(viaJson.body).not.toHaveProperty("accessToken");
  });
});

describe.concurrent("the hosted page's request", { timeout: 90_000 }, () => {
  it("prompt=login completed with a session signed in before the request: 403 login_required; a new sign-in completes it", async () => {
    const account = await kit.signup();
    const params = await requestParams(alpha, ALPHA_1, "s:prompt-login");
    const start = await kit.startAuthorization(kit.authorizationUrl({ ...params, prompt: "login", login_hint: account.email }));
    expect(start.requestId, start.text).toBeTruthy();
    const shown = await kit.hostedRequest(start.requestId!);
    expect(shown.status, shown.text).toBe(200);
    expect(shown.body.request).toMatchObject({ clientId: alpha.clientId, clientName: "Alpha", prompt: "login", loginHint: account.email });
    const refused = await kit.complete(start.requestId!, account.accessToken);
    expect(refused.status, refused.text).toBe(403);
    expect(refused.body.code).toBe("login_required");
    expect(refused.body).not.toHaveProperty("redirectTo");
    const fresh = await kit.signin(account.email, account.password);
    const done = await kit.complete(start.requestId!, fresh.accessToken);
    expect(done.status, done.text).toBe(200);
    expect(new URL(done.body.redirectTo).searchParams.get("code")).toBeTruthy();
  });

  it("passes state and nonce through unchanged, odd characters and all", async () => {
    const account = await kit.signup();
    const state = `a b+c/d=e&f?g%20h#i~j'k"l<m>n;o,p:q@r$s!t*u(v)w[x]y{z}|\\^\`é€😀`;
    const nonce = `n+o/n=c&e %2B?#é😀`;
    const authorized = await authorizeCode(alpha, ALPHA_1, account, { state, nonce });
    expect(authorized.callback.searchParams.get("state")).toBe(state);
    const tokens = await exchange(authorized, asPublic(alpha));
    expect(tokens.status, tokens.text).toBe(200);
    expect(jwtPayload(tokens.body.id_token).nonce).toBe(nonce);
    // And to an error redirect.
    const params = await requestParams(alpha, ALPHA_1, state);
    expectErrorRedirect(await kit.startAuthorization(kit.authorizationUrl(without(params, "code_challenge"))), ALPHA_1, "invalid_request", state);
  });

  it("is finished once completed or cancelled; cancel answers access_denied with the state", async () => {
    const account = await kit.signup();
    const params = await requestParams(alpha, ALPHA_1, "s:cancel");
    const start = await kit.startAuthorization(kit.authorizationUrl(params));
    const cancelled = await kit.cancel(start.requestId!);
    expect(cancelled.status, cancelled.text).toBe(200);
    const to = new URL(cancelled.body.redirectTo);
    expect(`${to.origin}${to.pathname}`).toBe(ALPHA_1);
    expect(to.searchParams.get("error")).toBe("access_denied");
    expect(to.searchParams.get("state")).toBe("s:cancel");
    expect(to.searchParams.has("code")).toBe(false);
    expect((await kit.complete(start.requestId!, account.accessToken)).status).toBe(404);
    expect((await kit.hostedRequest(start.requestId!)).status).toBe(404);

    const again = await kit.startAuthorization(kit.authorizationUrl(params));
    expect((await kit.complete(again.requestId!, account.accessToken)).status).toBe(200);
    const twice = await kit.complete(again.requestId!, account.accessToken);
    expect(twice.status, twice.text).toBe(404);
    expect(twice.body.code).toBe("not_found");
    expect((await kit.complete("no-such-request", account.accessToken)).status).toBe(404);
  });

  it("is completed only with a first-party session: a token issued to an OAuth client gets 403 forbidden", async () => {
    const account = await kit.signup();
    const first = await authorizeCode(alpha, ALPHA_1, account);
    const tokens = await exchange(first, asPublic(alpha));
    expect(tokens.status, tokens.text).toBe(200);
    const machine = await kit.token({ grant_type: "client_credentials" }, { method: "client_secret_basic", clientId: gamma.clientId, clientSecret: gammaSecret });
    expect(machine.status, machine.text).toBe(200);
    const start = await kit.startAuthorization(kit.authorizationUrl(await requestParams(beta, BETA_1)));
    for (const token of [tokens.body.access_token, machine.body.access_token]) {
      const refused = await kit.complete(start.requestId!, token);
      expect(refused.status, refused.text).toBe(403);
      expect(refused.body.code).toBe("forbidden");
    }
    expect((await kit.complete(start.requestId!, "")).status).toBe(401);
  });

  it("an application's token reads the user and the API's resources, but changes nothing of the account and administers nothing", async () => {
    const account = await kit.signup();
    const tokens = await exchange(await authorizeCode(alpha, ALPHA_1, account), asPublic(alpha));
    expect(tokens.status, tokens.text).toBe(200);
    const bearer = { authorization: `Bearer ${tokens.body.access_token}` };
    expect((await fetch(`${stack.baseUrl}/users/me`, { headers: bearer })).status).toBe(200);
    expect((await fetch(`${stack.baseUrl}/messages/protected`, { headers: bearer })).status).toBe(200);
    const json = { ...bearer, "content-type": "application/json" };
    for (const [method, path, body] of [
      ["GET", "/users/me/sessions", undefined],
      ["POST", "/users/me/passkeys/options", "{}"],
      ["POST", "/users/me/identities", JSON.stringify({ provider: "local", redirectUri: `${stack.appUrl}/profile` })],
      ["POST", "/auth/password", JSON.stringify({ currentPassword: "x", newPassword: "y" })],
      ["POST", "/auth/signout", JSON.stringify({ allSessions: true })],
      ["GET", "/oauth2/clients", undefined],
    ] as const) {
      const reply = await fetch(`${stack.baseUrl}${path}`, { method, headers: json, body });
      expect(reply.status, `${method} ${path}`).toBe(403);
      expect(((await reply.json()) as { code: string }).code, `${method} ${path}`).toBe("forbidden");
    }
    // Its own session it may end.
    expect((await fetch(`${stack.baseUrl}/auth/signout`, { method: "POST", headers: bearer })).status).toBe(204);
  });
});

// Last: the code made in beforeAll has aged while the other tests ran.
describe("an expired code", () => {
  it("is invalid_grant, and nothing is issued", { timeout: (CODE_TTL_SECONDS + 45) * 1000 }, async () => {
    const sessions = await kit.sessionCount(aged.account.accessToken);
    await sleep(Math.max(0, aged.at + (CODE_TTL_SECONDS + 1.5) * 1000 - Date.now()));
    expectOAuthError(await exchange(aged.authorized, asPublic(alpha)), 400, "invalid_grant");
    expect(await kit.sessionCount(aged.account.accessToken)).toBe(sessions);
    // A fresh code, exchanged at once, works (the refusal was the clock's).
    const fresh = await authorizeCode(alpha, ALPHA_1, aged.account);
    expect((await exchange(fresh, asPublic(alpha))).status).toBe(200);
  });
});
