// The OpenID provider's rules in process, against DynamoDB Local: what a code
// is bound to, single use under real parallel exchanges, reuse ending the
// session it opened, prompt=login and max_age, who may complete a request,
// the refresh chain shared with /auth/refresh, client deletion, revocation
// and logout. The relying-party libraries drive the same flows over HTTP in
// test/e2e/oidc-*.test.ts.
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signup } from "../../lib/accounts/signup.js";
import { ensureClient, registerClient, removeClient } from "../../lib/clients/clients.js";
import type { ClientRegistration } from "../../lib/clients/input.js";
import type { Caller } from "../../lib/http/caller.js";
import { cancelRequest, completeRequest, describeRequest, startAuthorization } from "../../lib/oauth/authorization.js";
import { logout } from "../../lib/oauth/logout.js";
import { revokeToken } from "../../lib/oauth/revocation.js";
import { authenticatedClient, tokenRequest } from "../../lib/oauth/token.js";
import { config } from "../../lib/platform/config.js";
import { HttpError } from "../../lib/platform/errors.js";
import { refreshSession } from "../../lib/sessions/refresh.js";
import { listSessionIds } from "../../lib/sessions/session-store.js";
import { endSession } from "../../lib/sessions/signout.js";
import { PASSWORD, jwtHeader, jwtPayload, outcome, uniqueEmail } from "../helpers/fixtures.js";
import { isSessionActive } from "../helpers/session-live.js";

const REDIRECT = "https://rp.example.com/callback";

async function newClient(overrides: Partial<ClientRegistration> = {}) {
  return registerClient({
    name: "Test RP",
    type: "public",
    redirectUris: [REDIRECT],
    postLogoutRedirectUris: ["https://rp.example.com/bye"],
    grantTypes: ["authorization_code", "refresh_token"],
    ...overrides,
  });
}

/** A user signed in through the JSON routes, as the hosted page is, and the caller its token makes. */
async function hostedSession(now = Date.now()) {
  const session = await signup({ email: uniqueEmail("oauth"), password: PASSWORD }, now);
  const claims = jwtPayload(session.accessToken);
  const caller: Caller = {
    userId: session.user.id,
    clientId: String(claims.client_id),
    scope: [],
    sid: String(claims.sid),
    roles: ["user"],
    amr: ["pwd"],
    multiFactor: false,
  };
  return { session, caller };
}

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
};

function authorizeQuery(clientId: string, challenge: string, extra: Record<string, string> = {}) {
  const query: Record<string, string> = {
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT,
    scope: "openid email profile",
    state: "st ate/ü&=",
    nonce: "n-0123",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...extra,
  };
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]]));
}

/** Authorize, complete with the hosted session: the code and the redirect. */
async function codeFor(clientId: string, caller: Caller, extra: Record<string, string> = {}, now = Date.now()) {
  const { verifier, challenge } = pkce();
  const started = await startAuthorization(authorizeQuery(clientId, challenge, extra), now);
  if (started.kind !== "redirect") throw new Error(started.message);
  const requestId = new URL(started.location).searchParams.get("request")!;
  const redirectTo = new URL(await completeRequest(requestId, caller, now));
  return { code: redirectTo.searchParams.get("code")!, redirectTo, verifier, requestId };
}

const exchange = (clientId: string, code: string, verifier: string, now = Date.now(), redirectUri = REDIRECT) =>
  tokenRequest(undefined, new URLSearchParams({ grant_type: "authorization_code", client_id: clientId, code, code_verifier: verifier, redirect_uri: redirectUri }), {}, now);

const oauthError = (error: unknown) => (error instanceof HttpError ? error.code : error);

describe("the authorization request", () => {
  it("refuses an unknown client and an unregistered redirect URI with an error page, never a redirect", async () => {
    const { client } = await newClient();
    const { challenge } = pkce();
    expect(await startAuthorization(authorizeQuery("no-such-client", challenge))).toMatchObject({ kind: "error-page" });
    const evil = { ...authorizeQuery(client.clientId, challenge), redirect_uri: ["https://rp.example.com/callback/../evil"] };
    expect(await startAuthorization(evil)).toMatchObject({ kind: "error-page" });
    const twice = { ...authorizeQuery(client.clientId, challenge), redirect_uri: [REDIRECT, "https://evil.example/"] };
    expect(await startAuthorization(twice)).toMatchObject({ kind: "error-page" });
  });

  it("sends the client RFC 6749 errors, with state, for a missing or plain PKCE challenge and an unknown scope", async () => {
    const { client } = await newClient();
    const { challenge } = pkce();
    const errorOf = async (query: Record<string, string[]>) => {
      const outcome = await startAuthorization(query);
      if (outcome.kind !== "redirect") throw new Error("expected a redirect");
      const url = new URL(outcome.location);
      expect(url.origin + url.pathname).toBe(REDIRECT);
      expect(url.searchParams.get("state")).toBe("st ate/ü&=");
      return url.searchParams.get("error");
    };
    const { code_challenge: _omitted, ...noChallenge } = authorizeQuery(client.clientId, challenge);
    expect(await errorOf(noChallenge)).toBe("invalid_request");
    expect(await errorOf(authorizeQuery(client.clientId, challenge, { code_challenge_method: "plain" }))).toBe("invalid_request");
    expect(await errorOf(authorizeQuery(client.clientId, challenge, { scope: "openid admin" }))).toBe("invalid_scope");
    expect(await errorOf(authorizeQuery(client.clientId, challenge, { response_type: "token" }))).toBe("unsupported_response_type");
    expect(await errorOf(authorizeQuery(client.clientId, challenge, { prompt: "none" }))).toBe("login_required");
  });

  it("shows the hosted page the client's name and login hint, then finishes once: a second completion or a cancel is 404", async () => {
    const { client } = await newClient({ name: "Partner portal" });
    const { caller } = await hostedSession();
    const { challenge } = pkce();
    const started = await startAuthorization(authorizeQuery(client.clientId, challenge, { login_hint: "ada@example.com" }));
    const requestId = new URL((started as { location: string }).location).searchParams.get("request")!;
    expect(await describeRequest(requestId)).toEqual({
      clientId: client.clientId,
      clientName: "Partner portal",
      scopes: ["openid", "email", "profile"],
      loginHint: "ada@example.com",
    });
    const redirectTo = new URL(await completeRequest(requestId, caller));
    expect(redirectTo.searchParams.get("state")).toBe("st ate/ü&=");
    expect(redirectTo.searchParams.get("iss")).toBe(config.issuer);
    expect((await outcome(completeRequest(requestId, caller))) as HttpError).toMatchObject({ statusCode: 404 });
    expect((await outcome(cancelRequest(requestId))) as HttpError).toMatchObject({ statusCode: 404 });
    expect((await outcome(describeRequest(requestId))) as HttpError).toMatchObject({ statusCode: 404 });
  });

  it("expires after 10 minutes", async () => {
    const { client } = await newClient();
    const { caller } = await hostedSession();
    const { challenge } = pkce();
    const now = Date.now();
    const started = await startAuthorization(authorizeQuery(client.clientId, challenge), now);
    const requestId = new URL((started as { location: string }).location).searchParams.get("request")!;
    expect((await outcome(completeRequest(requestId, caller, now + 10 * 60_000 + 1000))) as HttpError).toMatchObject({ statusCode: 404 });
  });

  it("is cancelled to access_denied with state", async () => {
    const { client } = await newClient();
    const { challenge } = pkce();
    const started = await startAuthorization(authorizeQuery(client.clientId, challenge));
    const requestId = new URL((started as { location: string }).location).searchParams.get("request")!;
    const url = new URL(await cancelRequest(requestId));
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ error: "access_denied", state: "st ate/ü&=" });
  });

  it("with prompt=login (or max_age=0) needs a session signed in after it; an older one gets 403 login_required", async () => {
    const { client } = await newClient();
    const now = Date.now();
    const { caller: older } = await hostedSession(now - 60_000);
    for (const extra of [{ prompt: "login" }, { max_age: "0" }, { max_age: "30" }] as Record<string, string>[]) {
      const error = await outcome(codeFor(client.clientId, older, extra, now));
      expect(error, JSON.stringify(extra)).toMatchObject({ statusCode: 403, code: "login_required" });
    }
    const { caller: fresh } = await hostedSession(now + 1);
    await expect(codeFor(client.clientId, fresh, { prompt: "login" }, now)).resolves.toBeDefined();
  });

  it("is completed only by a session of the page's own app (JSON routes, or the web app's client), never by another client's token", async () => {
    const { client } = await newClient();
    const { caller } = await hostedSession();
    const error = await outcome(codeFor(client.clientId, { ...caller, clientId: client.clientId }));
    expect(error).toMatchObject({ statusCode: 403, code: "forbidden" });
    await expect(codeFor(client.clientId, { ...caller, clientId: config.webClientId })).resolves.toBeDefined();
  });
});

describe("the code", () => {
  it("gives tokens of the client: access token with client_id, scope and audience; an ID token with nonce, auth_time, sid and amr", async () => {
    const { client } = await newClient({ audience: "https://partner-api.example.com" });
    const { caller } = await hostedSession();
    const { code, verifier } = await codeFor(client.clientId, caller);
    const tokens = await exchange(client.clientId, code, verifier);
    expect(tokens).toMatchObject({ token_type: "Bearer", scope: "openid email profile", expires_in: config.accessTokenTtlSeconds });
    const access = jwtPayload(tokens.access_token);
    expect(access).toMatchObject({ sub: caller.userId, client_id: client.clientId, scope: "openid email profile", aud: "https://partner-api.example.com", amr: ["pwd"] });
    expect(access.sid).not.toBe(caller.sid); // the client's own session
    expect(jwtHeader(tokens.id_token!)).toMatchObject({ alg: "RS256", typ: "JWT" });
    const id = jwtPayload(tokens.id_token!);
    expect(id).toMatchObject({ iss: config.issuer, sub: caller.userId, aud: client.clientId, nonce: "n-0123", sid: access.sid, amr: ["pwd"], email_verified: false });
    expect(id.auth_time).toBeTypeOf("number");
    expect(id.email).toMatch(/@example\.com$/);
  });

  it("is refused for another client, another redirect URI, a wrong verifier or after 60 s, with one invalid_grant", async () => {
    const { client } = await newClient();
    const { client: other } = await newClient({ redirectUris: [REDIRECT] });
    const { caller } = await hostedSession();
    const now = Date.now();
    const { code, verifier } = await codeFor(client.clientId, caller, {}, now);
    const attempts = [
      () => exchange(other.clientId, code, verifier, now),
      () => exchange(client.clientId, code, verifier, now, "https://rp.example.com/other"),
      () => exchange(client.clientId, code, pkce().verifier, now),
      () => exchange(client.clientId, code, verifier, now + 61_000),
    ];
    for (const attempt of attempts) expect(oauthError(await attempt().catch((e) => e))).toBe("invalid_grant");
    // None of them spent it.
    await expect(exchange(client.clientId, code, verifier, now + 1000)).resolves.toMatchObject({ token_type: "Bearer" });
  });

  it("is spent once under parallel exchanges, and the reuse ends the session it opened", async () => {
    const { client } = await newClient();
    const { caller } = await hostedSession();
    const { code, verifier } = await codeFor(client.clientId, caller);
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => exchange(client.clientId, code, verifier)));
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) expect(oauthError((r as PromiseRejectedResult).reason)).toBe("invalid_grant");
    // The losers presented a spent code: the winner's session ended.
    const tokens = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof exchange>>>).value;
    expect(await isSessionActive(String(jwtPayload(tokens.access_token).sid))).toBe(false);
    // The hosted page's own session is not the client's: it lives on.
    expect(await isSessionActive(caller.sid)).toBe(true);
  });

  it("presented again later ends the tokens it gave, refresh included", async () => {
    const { client } = await newClient();
    const { caller } = await hostedSession();
    const { code, verifier } = await codeFor(client.clientId, caller);
    const tokens = await exchange(client.clientId, code, verifier);
    expect(oauthError(await exchange(client.clientId, code, verifier).catch((e) => e))).toBe("invalid_grant");
    expect(await isSessionActive(String(jwtPayload(tokens.access_token).sid))).toBe(false);
    expect(await outcome(refreshSession(tokens.refresh_token!))).toMatchObject({ statusCode: 401 });
  });

  it("is no session: the user's session list (byUser) holds the hosted session, then the client's, never the code", async () => {
    const { client } = await newClient();
    const { caller } = await hostedSession();
    const { code, verifier } = await codeFor(client.clientId, caller);
    expect(await listSessionIds(caller.userId)).toEqual([caller.sid]);
    const tokens = await exchange(client.clientId, code, verifier);
    expect((await listSessionIds(caller.userId)).sort()).toEqual([caller.sid, String(jwtPayload(tokens.access_token).sid)].sort());
  });

  it("is worthless once the hosted session it was issued in has ended", async () => {
    const { client } = await newClient();
    const { caller } = await hostedSession();
    const { code, verifier } = await codeFor(client.clientId, caller);
    await endSession(caller.userId, caller.sid);
    expect(oauthError(await exchange(client.clientId, code, verifier).catch((e) => e))).toBe("invalid_grant");
  });
});

describe("the client's session", () => {
  it("refreshes through either route, keeping the client's claims, and only for its own client", async () => {
    const { client } = await newClient();
    const { client: other } = await newClient();
    const { caller } = await hostedSession();
    const { code, verifier } = await codeFor(client.clientId, caller);
    const tokens = await exchange(client.clientId, code, verifier);
    const refresh = (clientId: string, token: string) =>
      tokenRequest(undefined, new URLSearchParams({ grant_type: "refresh_token", client_id: clientId, refresh_token: token }), {});
    expect(oauthError(await refresh(other.clientId, tokens.refresh_token!).catch((e) => e))).toBe("invalid_grant");
    const viaJson = await refreshSession(tokens.refresh_token!);
    expect(jwtPayload(viaJson.accessToken)).toMatchObject({ client_id: client.clientId, scope: "openid email profile" });
    const viaToken = await refresh(client.clientId, viaJson.refreshToken);
    expect(jwtPayload(viaToken.id_token!)).toMatchObject({ aud: client.clientId, sid: jwtPayload(tokens.access_token).sid });
    // Deleting the client ends its refreshes.
    await removeClient(client.clientId);
    expect(await outcome(refreshSession(viaToken.refresh_token!))).toMatchObject({ statusCode: 401 });
  });

  it("a session of the JSON routes refreshes at /oauth2/token for the web app's own client only", async () => {
    const { client } = await newClient();
    await ensureClient(config.webClientId, { name: "Example web app", type: "public", redirectUris: ["http://localhost:4040/callback"], postLogoutRedirectUris: [], grantTypes: ["authorization_code", "refresh_token"] });
    const { session } = await hostedSession();
    const refresh = (clientId: string) =>
      tokenRequest(undefined, new URLSearchParams({ grant_type: "refresh_token", client_id: clientId, refresh_token: session.refreshToken }), {});
    expect(oauthError(await refresh(client.clientId).catch((e) => e))).toBe("invalid_grant");
    const tokens = await refresh(config.webClientId);
    expect(jwtPayload(tokens.access_token)).toMatchObject({ client_id: config.firstPartyClientId });
  });

  it("ends on revocation by its client, not by another, and revocation answers the same either way", async () => {
    const { client } = await newClient();
    const { client: other } = await newClient();
    const { caller } = await hostedSession();
    const { code, verifier } = await codeFor(client.clientId, caller);
    const tokens = await exchange(client.clientId, code, verifier);
    const sid = String(jwtPayload(tokens.access_token).sid);
    const revoke = async (clientId: string, token: string) =>
      revokeToken(await authenticatedClient(undefined, new URLSearchParams({ client_id: clientId })), new URLSearchParams({ token }), {});
    await expect(revoke(other.clientId, tokens.refresh_token!)).resolves.toBeUndefined();
    expect(await isSessionActive(sid)).toBe(true);
    await expect(revoke(client.clientId, "not-a-token")).resolves.toBeUndefined();
    await revoke(client.clientId, tokens.refresh_token!);
    expect(await isSessionActive(sid)).toBe(false);
  });

  it("ends at RP-initiated logout with the hosted session it came from, then returns to a registered URI only", async () => {
    const { client } = await newClient();
    const { caller } = await hostedSession();
    const { code, verifier } = await codeFor(client.clientId, caller);
    const tokens = await exchange(client.clientId, code, verifier);
    const refused = await logout({ id_token_hint: tokens.id_token, post_logout_redirect_uri: "https://evil.example/" }, {});
    expect(refused).toMatchObject({ kind: "page", status: 400 });
    expect(await isSessionActive(caller.sid)).toBe(true);
    const done = await logout({ id_token_hint: tokens.id_token, post_logout_redirect_uri: "https://rp.example.com/bye", state: "s/1" }, {});
    expect(done).toEqual({ kind: "redirect", location: "https://rp.example.com/bye?state=s%2F1" });
    expect(await isSessionActive(String(jwtPayload(tokens.access_token).sid))).toBe(false);
    expect(await isSessionActive(caller.sid)).toBe(false);
  });
});

describe("client authentication", () => {
  it("takes a confidential client's secret by Basic or in the body, compares it, and refuses a public client's secret-less client_credentials", async () => {
    const { client, clientSecret } = await newClient({ type: "confidential", grantTypes: ["client_credentials"], redirectUris: [] });
    const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
    const grant = new URLSearchParams({ grant_type: "client_credentials" });
    const machine = await tokenRequest(basic(client.clientId, clientSecret!), grant, {});
    expect(jwtPayload(machine.access_token)).toMatchObject({ sub: client.clientId, client_id: client.clientId, aud: config.audience });
    expect(jwtPayload(machine.access_token)).not.toHaveProperty("sid");
    expect(machine).not.toHaveProperty("refresh_token");
    const post = new URLSearchParams({ grant_type: "client_credentials", client_id: client.clientId, client_secret: clientSecret! });
    await expect(tokenRequest(undefined, post, {})).resolves.toMatchObject({ token_type: "Bearer" });
    const wrong = await tokenRequest(basic(client.clientId, `${clientSecret}x`), grant, {}).catch((e) => e);
    expect(wrong).toMatchObject({ statusCode: 401, code: "invalid_client", headers: { "WWW-Authenticate": expect.stringContaining("Basic") } });
    const { client: spa } = await newClient();
    const publicGrant = new URLSearchParams({ grant_type: "client_credentials", client_id: spa.clientId });
    expect(oauthError(await tokenRequest(undefined, publicGrant, {}).catch((e) => e))).toBe("unauthorized_client");
  });
});
