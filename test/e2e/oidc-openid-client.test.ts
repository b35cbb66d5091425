// The OpenID provider as openid-client 6 (panva's certified relying-party
// library) sees it, over the real stack: discovery at both well-known paths,
// the authorization code flow with PKCE S256, state and nonce through the
// hosted page (driven as the page does, test/helpers/oidc.ts), the ID token
// validated by the library, userinfo, refresh-token rotation and reuse,
// revocation (RFC 7009), RP-initiated logout, and client credentials with
// client_secret_basic and client_secret_post.
import * as oidcClient from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jwtHeader, jwtPayload } from "../helpers/fixtures.js";
import { codeFlow, oidc, type Account, type Oidc, type RegisteredClient } from "../helpers/oidc.js";
import { startStack, type Stack } from "../helpers/stack.js";

let stack: Stack;
let kit: Oidc;
/** The public client (an SPA or a native app): PKCE, no secret. */
let spa: RegisteredClient;
/** A confidential client (a server-side web app) with the code, refresh and client-credentials grants. */
let server: RegisteredClient;
let serverSecret: string;

const SPA_CALLBACK = "http://localhost:5173/callback";
const SPA_SIGNED_OUT = "http://localhost:5173/signed-out";
const SERVER_CALLBACK = "https://rp.example.com/auth/callback";

beforeAll(async () => {
  stack = await startStack();
  kit = oidc(stack);
  const [a, b] = await Promise.all([
    kit.registerClient({ name: "Example SPA", type: "public", redirectUris: [SPA_CALLBACK], postLogoutRedirectUris: [SPA_SIGNED_OUT] }),
    kit.registerClient({
      name: "Example server app",
      type: "confidential",
      redirectUris: [SERVER_CALLBACK],
      grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
    }),
  ]);
  spa = a.client;
  server = b.client;
  serverSecret = b.clientSecret!;
});

afterAll(async () => {
  await stack?.stop();
});

const spaConfig = (algorithm: "oidc" | "oauth2" = "oidc") => kit.relyingParty(spa.clientId, { algorithm });
const spaSignIn = async (account: Account, scope?: string) =>
  codeFlow(kit, await spaConfig(), { redirectUri: SPA_CALLBACK, signer: { email: account.email, password: account.password }, scope });

/** The status of a refresh at the token endpoint through openid-client: 200, or the error it reports. */
async function refreshOutcome(config: oidcClient.Configuration, refreshToken: string): Promise<string> {
  try {
    await oidcClient.refreshTokenGrant(config, refreshToken);
    return "ok";
  } catch (error: any) {
    if (error instanceof oidcClient.ResponseBodyError) return `${error.status} ${error.error}`;
    throw error;
  }
}

describe("discovery", () => {
  it("answers the same metadata at /.well-known/openid-configuration and /.well-known/oauth-authorization-server, with the contract's fields", async () => {
    const documents: any[] = [];
    for (const path of ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]) {
      const response = await fetch(stack.baseUrl + path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type"), path).toMatch(/application\/json/);
      const cacheControl = response.headers.get("cache-control") ?? "";
      expect(cacheControl, path).toMatch(/\bpublic\b/);
      const maxAge = Number(/max-age=(\d+)/.exec(cacheControl)?.[1]);
      expect(maxAge, `${path}: ${cacheControl}`).toBeGreaterThan(0);
      expect(maxAge, path).toBeLessThanOrEqual(3600);
      documents.push(await response.json());
    }
    const [openid, oauth] = documents;
    expect(oauth).toEqual(openid);
    const base = stack.baseUrl;
    expect(openid).toMatchObject({
      issuer: base,
      authorization_endpoint: `${base}/oauth2/authorize`,
      token_endpoint: `${base}/oauth2/token`,
      userinfo_endpoint: `${base}/oauth2/userinfo`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      end_session_endpoint: `${base}/oauth2/logout`,
      revocation_endpoint: `${base}/oauth2/revoke`,
      response_types_supported: ["code"],
      id_token_signing_alg_values_supported: ["RS256"],
      code_challenge_methods_supported: ["S256"],
    });
    expect(openid.grant_types_supported).toEqual(expect.arrayContaining(["authorization_code", "refresh_token", "client_credentials"]));
    expect(openid.grant_types_supported).not.toContain("implicit");
    expect(openid.subject_types_supported).toContain("public");
    expect(openid.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(["client_secret_basic", "client_secret_post", "none"]));
    expect(openid.scopes_supported).toEqual(expect.arrayContaining(["openid", "email", "profile", "offline_access"]));
    expect(openid.claims_supported).toEqual(
      expect.arrayContaining(["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "sid", "amr", "email", "email_verified", "name", "preferred_username"]),
    );

    // The key set it names: public RSA signing keys only.
    const jwks: any = await (await fetch(openid.jwks_uri)).json();
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: "RSA", use: "sig", alg: "RS256" });
      expect(typeof key.kid).toBe("string");
      for (const member of ["n", "e"]) expect(typeof key[member]).toBe("string");
      for (const secret of ["d", "p", "q", "dp", "dq", "qi"]) expect(key).not.toHaveProperty(secret);
    }
  });

  it("openid-client discovers the issuer by either document and knows every endpoint", async () => {
    for (const algorithm of ["oidc", "oauth2"] as const) {
      const metadata = (await spaConfig(algorithm)).serverMetadata();
      expect(metadata.issuer, algorithm).toBe(stack.baseUrl);
      expect(metadata.authorization_endpoint, algorithm).toBe(`${stack.baseUrl}/oauth2/authorize`);
      expect(metadata.token_endpoint, algorithm).toBe(`${stack.baseUrl}/oauth2/token`);
      expect(metadata.supportsPKCE(), algorithm).toBe(true);
    }
  });
});

describe("the client registry", () => {
  it("npm start registered the example web app as the public client `web`; the admin routes list and find clients", async () => {
    const token = (await kit.admin()).accessToken;
    const web = await kit.call("GET", "/oauth2/clients/web", { token });
    expect(web.status, web.text).toBe(200);
    expect(web.body.client).toMatchObject({ clientId: "web", type: "public", redirectUris: [`${stack.appUrl}/callback`] });
    expect(web.body.client).not.toHaveProperty("secretHash");
    const list = await kit.call("GET", "/oauth2/clients", { token });
    expect(list.status, list.text).toBe(200);
    const ids = list.body.clients.map((client: RegisteredClient) => client.clientId);
    expect(ids).toEqual(expect.arrayContaining(["web", spa.clientId, server.clientId]));
    for (const client of list.body.clients) expect(Object.keys(client).join()).not.toMatch(/secret/i);
    // A user is not an admin.
    const user = await kit.signup();
    expect((await kit.call("GET", "/oauth2/clients", { token: user.accessToken })).status).toBe(403);
    expect((await kit.call("POST", "/oauth2/clients", { token: user.accessToken, json: { name: "x", type: "public", redirectUris: [SPA_CALLBACK] } })).status).toBe(403);
  });
});

describe("authorization code flow with PKCE (public client)", () => {
  it("signs in through the hosted page; openid-client validates the ID token; the access token works on the API", async () => {
    const account = await kit.signup();
    const sessionsBefore = await kit.sessionCount(account.accessToken);
    const config = await spaConfig();
    const { tokens, nonce, url } = await codeFlow(kit, config, {
      redirectUri: SPA_CALLBACK,
      signer: { email: account.email, password: account.password },
    });
    // What the relying party asked for went out as it should (the library built it).
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");

    // The token response (RFC 6749 5.1, OpenID Connect Core 3.1.3.3).
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    expect(tokens.expires_in).toBeGreaterThan(0);
    expect(typeof tokens.refresh_token).toBe("string");
    expect(tokens.scope?.split(" ").sort()).toEqual(["email", "offline_access", "openid", "profile"]);

    // The ID token: openid-client checked signature, iss, aud, exp, iat and nonce; here the rest of the contract.
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: stack.baseUrl,
      sub: account.userId,
      aud: spa.clientId,
      nonce,
      email: account.email,
      email_verified: false,
      name: account.name,
      preferred_username: account.username,
    });
    expect(typeof claims.auth_time).toBe("number");
    expect(Math.abs(claims.auth_time! - Date.now() / 1000)).toBeLessThan(120);
    expect(typeof claims.sid).toBe("string");
    expect(claims.amr).toEqual(["pwd"]);
    const idHeader = jwtHeader(tokens.id_token!);
    expect(idHeader).toMatchObject({ alg: "RS256", typ: "JWT" });
    const jwks: any = await (await fetch(`${stack.baseUrl}/.well-known/jwks.json`)).json();
    expect(jwks.keys.map((key: { kid: string }) => key.kid)).toContain(idHeader.kid);

    // The access token: our JWT, now naming the client and the scope; a new session of its own.
    expect(jwtHeader(tokens.access_token).typ).toBe("at+jwt");
    const access = jwtPayload(tokens.access_token);
    expect(access).toMatchObject({ iss: stack.baseUrl, sub: account.userId, client_id: spa.clientId, aud: spa.audience, sid: claims.sid, permissions: [] });
    expect(String(access.scope).split(" ").sort()).toEqual(["email", "offline_access", "openid", "profile"]);
    expect(access.sid).not.toBe(jwtPayload(account.accessToken).sid);
    expect(await kit.status("/messages/protected", tokens.access_token)).toBe(200);
    expect(await kit.status("/users/me", tokens.access_token)).toBe(200);
    // The hosted page's sign-in and the client's session: two more sessions of the user.
    expect(await kit.sessionCount(account.accessToken)).toBe(sessionsBefore + 2);

    // Userinfo: the claims of the granted scopes, for the ID token's subject (openid-client checks `sub`).
    const userinfo = await oidcClient.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ sub: account.userId, email: account.email, email_verified: false, name: account.name, preferred_username: account.username });
    // The first-party app's own token (JSON routes, no scope) sees every claim there too.
    const own = await kit.call("GET", "/oauth2/userinfo", { token: account.accessToken });
    expect(own.status, own.text).toBe(200);
    expect(own.body).toEqual({ sub: account.userId, email: account.email, email_verified: false, name: account.name, preferred_username: account.username });
  });

  it("gives only what `openid` alone covers: no email or profile claims, in the ID token or at userinfo", async () => {
    const account = await kit.signup();
    const config = await spaConfig();
    const { tokens } = await codeFlow(kit, config, { redirectUri: SPA_CALLBACK, signer: account, scope: "openid" });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(account.userId);
    for (const claim of ["email", "email_verified", "name", "preferred_username"]) expect(claims, claim).not.toHaveProperty(claim);
    expect(tokens.scope).toBe("openid");
    // The client has the refresh grant: a refresh token without offline_access (the design says so).
    expect(typeof tokens.refresh_token).toBe("string");
    const userinfo = await oidcClient.fetchUserInfo(config, tokens.access_token, account.userId);
    expect(Object.keys(userinfo)).toEqual(["sub"]);
  });

  it("issues no refresh token to a client without the refresh_token grant", async () => {
    const { client } = await kit.registerClient({ type: "public", redirectUris: [SPA_CALLBACK], grantTypes: ["authorization_code"] });
    const account = await kit.signup();
    const config = await kit.relyingParty(client.clientId);
    const { tokens } = await codeFlow(kit, config, { redirectUri: SPA_CALLBACK, signer: account });
    expect(tokens.refresh_token).toBeUndefined();
    expect(await kit.status("/users/me", tokens.access_token)).toBe(200);
  });

  it("signs a confidential client in with client_secret_basic and with client_secret_post", async () => {
    for (const auth of ["client_secret_basic", "client_secret_post"] as const) {
      const account = await kit.signup();
      const config = await kit.relyingParty(server.clientId, { clientSecret: serverSecret, auth });
      const { tokens } = await codeFlow(kit, config, { redirectUri: SERVER_CALLBACK, signer: account });
      expect(tokens.claims()!.aud, auth).toBe(server.clientId);
      expect(jwtPayload(tokens.access_token).client_id, auth).toBe(server.clientId);
      expect(await kit.status("/users/me", tokens.access_token), auth).toBe(200);
    }
  });
});

describe("refresh tokens", () => {
  it("rotate; a token rotated away before the last ends the session; either route takes the client's refresh tokens", async () => {
    const account = await kit.signup();
    const config = await spaConfig();
    const { tokens: first } = await spaSignIn(account);
    const second = await oidcClient.refreshTokenGrant(config, first.refresh_token!);
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const claims = jwtPayload(second.access_token);
    expect(claims).toMatchObject({ client_id: spa.clientId, sub: account.userId, sid: jwtPayload(first.access_token).sid });
    expect(String(claims.scope).split(" ").sort()).toEqual(["email", "offline_access", "openid", "profile"]);
    expect(await kit.status("/users/me", second.access_token)).toBe(200);

    // POST /auth/refresh takes it too, and keeps the client's claims.
    const viaJson = await kit.call("POST", "/auth/refresh", { json: { refreshToken: second.refresh_token } });
    expect(viaJson.status, viaJson.text).toBe(200);
    expect(jwtPayload(viaJson.body.accessToken)).toMatchObject({ client_id: spa.clientId, sid: claims.sid });
    const third = await oidcClient.refreshTokenGrant(config, viaJson.body.refreshToken);

    // The first token is older than the grace window's predecessor: reuse, the whole session ends.
    expect(await refreshOutcome(config, first.refresh_token!)).toBe("400 invalid_grant");
    expect(await refreshOutcome(config, third.refresh_token!)).toBe("400 invalid_grant");
    for (const token of [first.access_token, second.access_token, third.access_token]) {
      expect(await kit.status("/users/me", token)).toBe(401);
    }
    // The user's other sessions (the first-party one) live on.
    expect(await kit.status("/users/me", account.accessToken)).toBe(200);
  });

  it("a refresh token of one client does not refresh at another", async () => {
    const account = await kit.signup();
    const { tokens } = await spaSignIn(account);
    const other = await kit.relyingParty(server.clientId, { clientSecret: serverSecret });
    expect(await refreshOutcome(other, tokens.refresh_token!)).toBe("400 invalid_grant");
    // Nor does the first-party app's (POST /auth/signin) at an OAuth client.
    expect(await refreshOutcome(await spaConfig(), account.refreshToken)).toBe("400 invalid_grant");
    // Nothing was ended by the attempts either.
    expect(await refreshOutcome(await spaConfig(), tokens.refresh_token!)).toBe("ok");
    expect((await kit.call("POST", "/auth/refresh", { json: { refreshToken: account.refreshToken } })).status).toBe(200);
  });
});

describe("revocation (RFC 7009)", () => {
  it("revoking the refresh token ends the session: refresh refused, access token 401", async () => {
    const account = await kit.signup();
    const config = await spaConfig();
    const { tokens } = await spaSignIn(account);
    await oidcClient.tokenRevocation(config, tokens.refresh_token!, { token_type_hint: "refresh_token" });
    expect(await refreshOutcome(config, tokens.refresh_token!)).toBe("400 invalid_grant");
    expect(await kit.status("/messages/protected", tokens.access_token)).toBe(401);
    expect(await kit.status("/users/me", account.accessToken)).toBe(200);
  });

  it("revoking the access token ends its session too", async () => {
    const account = await kit.signup();
    const config = await spaConfig();
    const { tokens } = await spaSignIn(account);
    await oidcClient.tokenRevocation(config, tokens.access_token, { token_type_hint: "access_token" });
    expect(await kit.status("/users/me", tokens.access_token)).toBe(401);
    expect(await refreshOutcome(config, tokens.refresh_token!)).toBe("400 invalid_grant");
  });

  it("answers 200 to an unknown token, and another client cannot revoke this client's tokens", async () => {
    const account = await kit.signup();
    const config = await spaConfig();
    const { tokens } = await spaSignIn(account);
    await oidcClient.tokenRevocation(config, "not-a-token-we-issued");
    const other = await kit.revoke(
      { token: tokens.refresh_token!, token_type_hint: "refresh_token" },
      { method: "client_secret_basic", clientId: server.clientId, clientSecret: serverSecret },
    );
    expect(other.status, other.text).toBeLessThan(500);
    expect(await kit.status("/users/me", tokens.access_token)).toBe(200);
    expect(await refreshOutcome(config, tokens.refresh_token!)).toBe("ok");
  });
});

describe("RP-initiated logout", () => {
  it("following buildEndSessionUrl ends the client's session and the hosted page's, then redirects with the state", async () => {
    const account = await kit.signup();
    const config = await spaConfig();
    // The hosted page's session, held separately so that its end can be seen.
    const hosted = await kit.signin(account.email, account.password);
    const { tokens } = await codeFlow(kit, config, { redirectUri: SPA_CALLBACK, signer: { session: hosted.accessToken } });
    expect(await kit.status("/messages/protected", tokens.access_token)).toBe(200);

    const state = oidcClient.randomState();
    const logoutUrl = oidcClient.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: SPA_SIGNED_OUT, state });
    expect(logoutUrl.href.startsWith(`${stack.baseUrl}/oauth2/logout?`)).toBe(true);
    const response = await fetch(logoutUrl, { redirect: "manual" });
    expect(response.status, await response.text()).toBe(302);
    const location = new URL(response.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(SPA_SIGNED_OUT);
    expect(location.searchParams.get("state")).toBe(state);

    for (const path of ["/messages/protected", "/users/me", "/oauth2/userinfo"]) {
      expect(await kit.status(path, tokens.access_token), path).toBe(401);
      expect(await kit.status(path, hosted.accessToken), `${path}, the hosted page's session`).toBe(401);
    }
    expect(await refreshOutcome(config, tokens.refresh_token!)).toBe("400 invalid_grant");
    // Sessions it did not name live on.
    expect(await kit.status("/users/me", account.accessToken)).toBe(200);
  });

  it("without a post-logout URI answers a signed-out page; an unregistered one gets an error page and ends nothing", async () => {
    const account = await kit.signup();
    const config = await spaConfig();
    const first = (await spaSignIn(account)).tokens;
    const unregistered = oidcClient.buildEndSessionUrl(config, { id_token_hint: first.id_token!, post_logout_redirect_uri: "https://evil.example.com/" });
    const refused = await fetch(unregistered, { redirect: "manual" });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("location")).toBeNull();
    expect(refused.headers.get("content-type")).toMatch(/text\/html/);
    expect(await kit.status("/users/me", first.access_token)).toBe(200);

    const plain = await fetch(oidcClient.buildEndSessionUrl(config, { id_token_hint: first.id_token! }), { redirect: "manual" });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-type")).toMatch(/text\/html/);
    expect(await kit.status("/users/me", first.access_token)).toBe(401);
  });
});

describe("client credentials", () => {
  it("issues a machine token to a confidential client with client_secret_basic and with client_secret_post", async () => {
    for (const auth of ["client_secret_basic", "client_secret_post"] as const) {
      const config = await kit.relyingParty(server.clientId, { clientSecret: serverSecret, auth });
      const tokens = await oidcClient.clientCredentialsGrant(config);
      expect(tokens.token_type.toLowerCase(), auth).toBe("bearer");
      expect(tokens.expires_in, auth).toBeGreaterThan(0);
      expect(tokens.refresh_token, auth).toBeUndefined();
      expect(tokens.id_token, auth).toBeUndefined();
      const claims = jwtPayload(tokens.access_token);
      expect(claims, auth).toMatchObject({ iss: stack.baseUrl, sub: server.clientId, client_id: server.clientId, aud: server.audience });
      expect.soft(claims.permissions, `${auth}: the design: machine tokens carry permissions: []`).toEqual([]);
      expect(claims, auth).not.toHaveProperty("sid");
      expect(claims, auth).not.toHaveProperty("roles");
      expect(await kit.status("/messages/protected", tokens.access_token), auth).toBe(200);
    }
  });
});
