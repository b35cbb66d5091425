// The local test OpenID provider (scripts/local-idp.mjs) on its own, as a relying
// party sees it through openid-client (panva's certified relying-party library):
// discovery, the authorization code flow with PKCE S256, state and nonce through
// its sign-in page (driven by test/helpers/local-idp.ts), the ID token (email
// reported verified, a subject stable per address and not the address), form_post
// for Apple-like clients (and an Apple-style ES256 client secret), what it refuses;
// then how `npm start` runs it (scripts/start.mjs through test/helpers/stack.ts):
// on IDP_PORT with a client for each provider at its issuer, or not at all with
// LOCAL_IDP=false.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jwt from "jsonwebtoken";
import * as oidcClient from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/local-dynamodb.mjs";
import { startLocalIdp, subjectOf, type LocalIdp } from "../../scripts/local-idp.mjs";
import { jwtHeader, jwtPayload } from "../helpers/fixtures.js";
import { CookieJar, parseForms, signInAtLocalIdp, type LocalIdpSignIn } from "../helpers/local-idp.js";
import { startStack, type Stack } from "../helpers/stack.js";

/** Never fetched: the flows below stop at the callback (`deliver: false`) and hand it to openid-client. */
const RP = "http://localhost:9";
const QUERY_CLIENT = { client_id: "query-rp", client_secret: randomUUID(), redirect_uris: [`${RP}/auth/providers/local/callback`] };
const FORM_POST_CLIENT = {
  client_id: "form-post-rp",
  client_secret: randomUUID(),
  redirect_uris: [`${RP}/auth/providers/apple-like/callback`],
  response_modes: ["form_post"],
};
const appleKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
const APPLE = { teamId: "TEAM123456", keyId: "KEY1234567" };
const APPLE_CLIENT = { client_id: "com.example.web", redirect_uris: [`${RP}/auth/providers/apple/callback`], response_modes: ["form_post"], apple: { ...APPLE, publicKey: appleKey.publicKey } };

let idp: LocalIdp;
let keysDir: string;

beforeAll(async () => {
  keysDir = mkdtempSync(join(tmpdir(), "local-idp-"));
  idp = await startLocalIdp({ port: await freePort(), clients: [QUERY_CLIENT, FORM_POST_CLIENT, APPLE_CLIENT], keysFile: join(keysDir, "idp-jwks.json") });
});

afterAll(async () => {
  await idp?.stop();
  if (keysDir) rmSync(keysDir, { recursive: true, force: true });
});

type Client = { client_id: string; client_secret?: string };

/** openid-client's configuration for a client of the local IdP (plain http: it is on this machine). */
function relyingParty(client: Client, auth: "basic" | "post" = "basic", secret = client.client_secret): Promise<oidcClient.Configuration> {
  const clientAuth = auth === "post" ? oidcClient.ClientSecretPost(secret) : oidcClient.ClientSecretBasic(secret);
  return oidcClient.discovery(new URL(idp.issuer), client.client_id, undefined, clientAuth, { execute: [oidcClient.allowInsecureRequests] });
}

/** An Apple "client secret": an ES256 JWT from the team's key (iss team, sub client, aud Apple). */
function appleSecret(overrides: Record<string, unknown> = {}, key = appleKey.privateKey): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ iss: APPLE.teamId, sub: APPLE_CLIENT.client_id, aud: "https://appleid.apple.com", iat: now, exp: now + 300, ...overrides }, key, {
    algorithm: "ES256",
    keyid: APPLE.keyId,
  });
}

interface Flow {
  verifier: string;
  state: string;
  nonce: string;
  url: URL;
}

async function authorizationRequest(config: oidcClient.Configuration, client: { redirect_uris: string[] }, extra: Record<string, string> = {}): Promise<Flow> {
  const verifier = oidcClient.randomPKCECodeVerifier();
  const state = oidcClient.randomState();
  const nonce = oidcClient.randomNonce();
  const url = oidcClient.buildAuthorizationUrl(config, {
    redirect_uri: client.redirect_uris[0]!,
    scope: "openid email profile",
    code_challenge: await oidcClient.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    ...extra,
  });
  return { verifier, state, nonce, url };
}

/** The IdP's answer as the request openid-client takes: the callback URL (query) or a POST of the form (form_post). */
function callbackInput(signIn: LocalIdpSignIn): URL | Request {
  const { callback } = signIn;
  if (callback.method === "GET") {
    const url = new URL(callback.url);
    for (const [name, value] of callback.params) url.searchParams.append(name, value);
    return url;
  }
  return new Request(callback.url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: callback.params.toString() });
}

async function codeFlow(client: Client & { redirect_uris: string[] }, email: string, options: { auth?: "basic" | "post"; name?: string; extra?: Record<string, string>; secret?: string } = {}) {
  const config = await relyingParty(client, options.auth, options.secret ?? client.client_secret);
  const flow = await authorizationRequest(config, client, options.extra);
  const signIn = await signInAtLocalIdp(flow.url, email, { deliver: false, ...(options.name !== undefined && { name: options.name }) });
  const tokens = await oidcClient.authorizationCodeGrant(config, callbackInput(signIn), {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
    idTokenExpected: true,
  });
  return { config, flow, signIn, tokens, claims: tokens.claims()! };
}

describe("discovery", () => {
  it("describes a code-flow provider on its issuer: PKCE S256 only, the email and profile claims, form_post, secret client authentication, RS256", async () => {
    const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const metadata: any = await response.json();
    expect(metadata).toMatchObject({
      issuer: idp.issuer,
      authorization_endpoint: `${idp.issuer}/auth`,
      token_endpoint: `${idp.issuer}/token`,
      jwks_uri: `${idp.issuer}/jwks`,
      userinfo_endpoint: expect.stringMatching(new RegExp(`^${idp.issuer}/`)),
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      id_token_signing_alg_values_supported: ["RS256"],
      authorization_response_iss_parameter_supported: true,
    });
    expect(idp.issuer).toMatch(/^http:\/\/localhost:\d+$/);
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(["openid", "email", "profile"]));
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(["sub", "email", "email_verified", "name"]));
    expect(metadata.response_modes_supported).toEqual(expect.arrayContaining(["query", "form_post"]));
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(["client_secret_basic", "client_secret_post"]));
    const jwks: any = await (await fetch(metadata.jwks_uri)).json();
    expect(jwks.keys.length).toBe(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid: expect.any(String) });
    expect(jwks.keys[0]).not.toHaveProperty("d"); // the public half only
  });

  it("keeps its signing key in keysFile, so a restart signs with the same key", async () => {
    const kids = async (issuer: string) => ((await (await fetch(`${issuer}/jwks`)).json()) as any).keys.map((key: { kid: string }) => key.kid);
    const again = await startLocalIdp({ port: await freePort(), keysFile: join(keysDir, "idp-jwks.json") });
    try {
      expect(await kids(again.issuer)).toEqual(await kids(idp.issuer));
    } finally {
      await again.stop();
    }
    expect(JSON.parse(readFileSync(join(keysDir, "idp-jwks.json"), "utf8")).keys[0]).toHaveProperty("d");
  });

  it("listens on 127.0.0.1 only", async () => {
    const port = Number(new URL(idp.issuer).port);
    expect((await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).status).toBe(200);
    await expect(fetch(`http://[::1]:${port}/.well-known/openid-configuration`)).rejects.toThrow();
  });
});

describe("the sign-in page", () => {
  it("asks for an Email (prefilled from login_hint) and an optional Name, with Continue and Cancel buttons, and runs nothing", async () => {
    const config = await relyingParty(QUERY_CLIENT);
    const { url } = await authorizationRequest(config, QUERY_CLIENT, { login_hint: "hint@example.com" });
    const jar = new CookieJar();
    const start = await fetch(url, { redirect: "manual" });
    expect(start.status).toBe(303);
    jar.store(url, start.headers);
    const pageUrl = new URL(start.headers.get("location")!, url);
    expect(pageUrl.pathname).toMatch(/^\/interaction\/[\w-]+$/);
    const page = await fetch(pageUrl, { headers: { cookie: jar.header(pageUrl)! } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    const html = await page.text();
    expect(html).toMatch(/<label for="email">Email<\/label>/);
    expect(html).toMatch(/<input id="email" name="email" type="email"[^>]*value="hint@example.com"/);
    expect(html).toMatch(/<label for="name">Name \(optional\)<\/label>/);
    expect(html).not.toMatch(/type="password"/i);
    expect(html).not.toMatch(/<script|<style|style=|\son[a-z]+=/i);
    const forms = parseForms(html, pageUrl);
    expect(forms.map((form) => form.buttons)).toEqual([["Continue"], ["Cancel"]]);
    expect(forms.every((form) => form.method === "POST")).toBe(true);
  });

  it("refuses what is not an email address, and shows the form again", async () => {
    const config = await relyingParty(QUERY_CLIENT);
    const { url } = await authorizationRequest(config, QUERY_CLIENT);
    const jar = new CookieJar();
    const start = await fetch(url, { redirect: "manual" });
    jar.store(url, start.headers);
    const pageUrl = new URL(start.headers.get("location")!, url);
    const [login] = parseForms(await (await fetch(pageUrl, { headers: { cookie: jar.header(pageUrl)! } })).text(), pageUrl);
    const answer = await fetch(login!.action, {
      method: "POST",
      headers: { cookie: jar.header(login!.action)!, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: "not an email" }).toString(),
      redirect: "manual",
    });
    expect(answer.status).toBe(400);
    const html = await answer.text();
    expect(html).toMatch(/role="alert"/);
    expect(parseForms(html, pageUrl)[0]!.inputs).toContain("email");
  });

  it("Cancel answers the client access_denied, with its state", async () => {
    const config = await relyingParty(QUERY_CLIENT);
    const { url, state } = await authorizationRequest(config, QUERY_CLIENT);
    const signIn = await signInAtLocalIdp(url, "cancel@example.com", { cancel: true, deliver: false });
    expect(signIn.callback.params.get("error")).toBe("access_denied");
    expect(signIn.callback.params.get("state")).toBe(state);
    expect(signIn.callback.params.has("code")).toBe(false);
  });
});

describe("the code flow (openid-client)", () => {
  it("signs in with any email: an ID token with that email, email_verified true, a name, and a subject that is not the email", async () => {
    const email = `ada.${randomUUID().slice(0, 8)}@example.com`;
    const { claims, signIn, tokens } = await codeFlow(QUERY_CLIENT, email);
    expect(signIn.signInPageShown).toBe(true);
    expect(signIn.callback).toMatchObject({ method: "GET", responseMode: "query", provider: "local" });
    expect(signIn.callback.url.href).toBe(QUERY_CLIENT.redirect_uris[0]);
    expect(signIn.callback.params.get("iss")).toBe(idp.issuer);
    expect(claims).toMatchObject({ iss: idp.issuer, aud: QUERY_CLIENT.client_id, email, email_verified: true, name: email.split("@")[0] });
    expect(claims.sub).toBe(subjectOf(email));
    expect(claims.sub).not.toContain(email.split("@")[0]);
    expect(jwtHeader(tokens.id_token!)).toMatchObject({ alg: "RS256", kid: expect.any(String) });
    // userinfo says the same.
    const info = await oidcClient.fetchUserInfo(await relyingParty(QUERY_CLIENT), tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: claims.sub, email, email_verified: true });
  });

  it("gives the same subject to the same address, whatever its case, and another to another address", async () => {
    const id = randomUUID().slice(0, 8);
    const first = await codeFlow(QUERY_CLIENT, `grace.${id}@example.com`, { name: "Grace Hopper" });
    const again = await codeFlow(QUERY_CLIENT, `Grace.${id}@Example.COM`);
    const other = await codeFlow(QUERY_CLIENT, `alan.${id}@example.com`);
    expect(first.claims.name).toBe("Grace Hopper");
    expect(again.claims.sub).toBe(first.claims.sub);
    expect(again.claims.email).toBe(`Grace.${id}@Example.COM`); // as typed
    expect(other.claims.sub).not.toBe(first.claims.sub);
  });

  it("authenticates the client with client_secret_post as well as client_secret_basic, and refuses a wrong secret", async () => {
    const { claims } = await codeFlow(QUERY_CLIENT, `post.${randomUUID().slice(0, 8)}@example.com`, { auth: "post" });
    expect(claims.email_verified).toBe(true);
    await expect(codeFlow(QUERY_CLIENT, `wrong.${randomUUID().slice(0, 8)}@example.com`, { secret: "not-the-secret" })).rejects.toMatchObject({ status: 401 });
  });

  it("asks every time, prefilled with the browser's last address, and signs in as someone else as readily", async () => {
    const config = await relyingParty(QUERY_CLIENT);
    const first = await signInAtLocalIdp((await authorizationRequest(config, QUERY_CLIENT)).url, "first@example.com", { deliver: false });
    const flow = await authorizationRequest(config, QUERY_CLIENT);
    const jar = first.jar;
    const start = await fetch(flow.url, { redirect: "manual", headers: { cookie: jar.header(flow.url)! } });
    jar.store(flow.url, start.headers);
    const pageUrl = new URL(start.headers.get("location")!, flow.url);
    const html = await (await fetch(pageUrl, { headers: { cookie: jar.header(pageUrl)! } })).text();
    expect(html).toMatch(/name="email" type="email"[^>]*value="first@example.com"/);
    // Another address in the same browser: the IdP ends its session for the first (its own auto-posted form), then answers.
    const second = await signInAtLocalIdp(flow.url, "second@example.com", { deliver: false, jar });
    expect(second.signInPageShown).toBe(true);
    expect(second.hops.some((hop) => hop.method === "POST" && new URL(hop.url).pathname === "/session/end/confirm")).toBe(true);
    const tokens = await oidcClient.authorizationCodeGrant(config, callbackInput(second), {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    expect(tokens.claims()!.email).toBe("second@example.com");
  });

  it("with singleSignOn, signs the browser in again without its page while the IdP's session lasts, unless prompt=login", async () => {
    const sso = await startLocalIdp({ port: await freePort(), clients: [QUERY_CLIENT], keysFile: join(keysDir, "idp-jwks.json"), singleSignOn: true });
    try {
      const config = await oidcClient.discovery(new URL(sso.issuer), QUERY_CLIENT.client_id, undefined, oidcClient.ClientSecretBasic(QUERY_CLIENT.client_secret), {
        execute: [oidcClient.allowInsecureRequests],
      });
      const first = await signInAtLocalIdp((await authorizationRequest(config, QUERY_CLIENT)).url, "sso@example.com", { deliver: false });
      const flow = await authorizationRequest(config, QUERY_CLIENT);
      const second = await signInAtLocalIdp(flow.url, "ignored@example.com", { deliver: false, jar: first.jar });
      expect(second.signInPageShown).toBe(false);
      const tokens = await oidcClient.authorizationCodeGrant(config, callbackInput(second), {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
      });
      expect(tokens.claims()!.email).toBe("sso@example.com");
      const forced = await signInAtLocalIdp((await authorizationRequest(config, QUERY_CLIENT, { prompt: "login" })).url, "other@example.com", { deliver: false, jar: first.jar });
      expect(forced.signInPageShown).toBe(true);
    } finally {
      await sso.stop();
    }
  });

  it("grants what the client asks without a consent screen, even when it asks for one (prompt=consent)", async () => {
    const email = `consent.${randomUUID().slice(0, 8)}@example.com`;
    const { claims, signIn } = await codeFlow(QUERY_CLIENT, email, { extra: { prompt: "consent" } });
    expect(signIn.signInPageShown).toBe(true);
    expect(claims).toMatchObject({ email, email_verified: true });
  });

  it("reports email_verified false when started with emailVerified saying so (for tests of unverified addresses; never npm start)", async () => {
    const unverified = await startLocalIdp({ port: await freePort(), clients: [QUERY_CLIENT], emailVerified: (email) => !email.startsWith("unverified") });
    try {
      const config = await oidcClient.discovery(new URL(unverified.issuer), QUERY_CLIENT.client_id, undefined, oidcClient.ClientSecretBasic(QUERY_CLIENT.client_secret), {
        execute: [oidcClient.allowInsecureRequests],
      });
      const flow = await authorizationRequest(config, QUERY_CLIENT);
      const signIn = await signInAtLocalIdp(flow.url, "unverified@example.com", { deliver: false });
      const tokens = await oidcClient.authorizationCodeGrant(config, callbackInput(signIn), {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
      });
      expect(tokens.claims()).toMatchObject({ email: "unverified@example.com", email_verified: false });
    } finally {
      await unverified.stop();
    }
  });

  it("requires PKCE with S256", async () => {
    const config = await relyingParty(QUERY_CLIENT);
    const plain = oidcClient.buildAuthorizationUrl(config, { redirect_uri: QUERY_CLIENT.redirect_uris[0]!, scope: "openid email", state: "s1", nonce: "n1" });
    const refused = await signInAtLocalIdp(plain, "nopkce@example.com", { deliver: false });
    expect(refused.signInPageShown).toBe(false);
    expect(refused.callback.params.get("error")).toBe("invalid_request");
    expect(refused.callback.params.get("state")).toBe("s1");

    const flow = await authorizationRequest(config, QUERY_CLIENT, { code_challenge_method: "plain", code_challenge: "a".repeat(43) });
    const plainMethod = await signInAtLocalIdp(flow.url, "plain@example.com", { deliver: false });
    expect(plainMethod.callback.params.get("error")).toBe("invalid_request");
  });

  it("spends a code once, and only with its verifier", async () => {
    const config = await relyingParty(QUERY_CLIENT);
    const flow = await authorizationRequest(config, QUERY_CLIENT);
    const signIn = await signInAtLocalIdp(flow.url, "once@example.com", { deliver: false });
    const checks = { pkceCodeVerifier: oidcClient.randomPKCECodeVerifier(), expectedState: flow.state, expectedNonce: flow.nonce };
    await expect(oidcClient.authorizationCodeGrant(config, callbackInput(signIn), checks)).rejects.toMatchObject({ error: "invalid_grant" });
    // A code that failed its PKCE check is spent (oidc-provider consumes it): a new sign-in for the good verifier.
    const retry = await authorizationRequest(config, QUERY_CLIENT);
    const again = await signInAtLocalIdp(retry.url, "once@example.com", { deliver: false });
    const good = { pkceCodeVerifier: retry.verifier, expectedState: retry.state, expectedNonce: retry.nonce };
    await oidcClient.authorizationCodeGrant(config, callbackInput(again), good);
    await expect(oidcClient.authorizationCodeGrant(config, callbackInput(again), good)).rejects.toMatchObject({ error: "invalid_grant" });
  });

  it("redirects only to a registered redirect URI: another one gets an error page, no redirect", async () => {
    const config = await relyingParty(QUERY_CLIENT);
    const { url } = await authorizationRequest(config, { redirect_uris: [`${RP}/auth/providers/evil/callback`] });
    const answer = await fetch(url, { redirect: "manual" });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("location")).toBeNull();
    const html = await answer.text();
    expect(html).toMatch(/redirect_uri/);
    expect(html).not.toMatch(/<script|<style/i); // not oidc-provider's default page, which loads a web font
  });
});

describe("form_post clients (Apple-like)", () => {
  it("answers with an auto-submitting form that posts code, state and iss to the callback", async () => {
    const email = `posted.${randomUUID().slice(0, 8)}@example.com`;
    const { signIn, claims } = await codeFlow(FORM_POST_CLIENT, email, { extra: { response_mode: "form_post" } });
    expect(signIn.callback).toMatchObject({ method: "POST", responseMode: "form_post", provider: "apple-like" });
    expect(signIn.callback.url.href).toBe(FORM_POST_CLIENT.redirect_uris[0]);
    expect([...signIn.callback.params.keys()].sort()).toEqual(["code", "iss", "state"]);
    expect(signIn.hops.at(-1)).toMatchObject({ method: "GET", status: 200 }); // the page itself, not a redirect
    expect(claims).toMatchObject({ email, email_verified: true, sub: subjectOf(email) });
  });

  it("refuses the query response mode to a client held to form_post", async () => {
    const config = await relyingParty(FORM_POST_CLIENT);
    const { url } = await authorizationRequest(config, FORM_POST_CLIENT);
    const answer = await fetch(url, { redirect: "manual" });
    const text = await answer.text();
    // Never a code by query: an error (to the callback or as a page), not the sign-in page.
    expect(answer.headers.get("location") ?? "", text).not.toMatch(/\/interaction\/|[?&]code=/);
    expect(`${answer.headers.get("location") ?? ""} ${text}`).toMatch(/invalid_request|response_mode/);
  });

  it("takes an Apple-style client secret (an ES256 JWT from the team's key), email_verified as Apple's string, and refuses a secret from another key", async () => {
    const email = `apple.${randomUUID().slice(0, 8)}@example.com`;
    const { claims } = await codeFlow(APPLE_CLIENT, email, { auth: "post", secret: appleSecret(), extra: { response_mode: "form_post", scope: "openid email name" } });
    expect(claims).toMatchObject({ email, email_verified: "true", sub: subjectOf(email), aud: APPLE_CLIENT.client_id });
    expect(jwtPayload(appleSecret())).toMatchObject({ iss: APPLE.teamId, aud: "https://appleid.apple.com" });

    const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    for (const secret of [appleSecret({}, stranger), appleSecret({ aud: "https://example.com" }), appleSecret({ exp: Math.floor(Date.now() / 1000) - 60 })]) {
      await expect(
        codeFlow(APPLE_CLIENT, email, { auth: "post", secret, extra: { response_mode: "form_post" } }),
        jwtPayload(secret).aud as string,
      ).rejects.toMatchObject({ status: 401 });
    }
  });
});

describe("npm start's local IdP", () => {
  describe("by default", () => {
    let stack: Stack;
    const appleLikeSecret = randomUUID();

    beforeAll(async () => {
      // A second provider at the IdP's issuer, configured by AUTH_PROVIDERS alone: the IdP registers its client.
      const idpPort = await freePort();
      const appleLike = {
        id: "apple-like",
        name: "Apple-like",
        type: "oidc",
        issuer: `http://localhost:${idpPort}`,
        clientId: "apple-like-client",
        clientSecret: appleLikeSecret,
        responseMode: "form_post",
      };
      stack = await startStack({ idpPort, env: { AUTH_PROVIDERS: JSON.stringify([appleLike]) } });
    });

    afterAll(async () => {
      await stack?.stop();
    });

    it("runs on IDP_PORT with its issuer there, and says so when ready", async () => {
      const metadata: any = await (await fetch(`${stack.idpUrl}/.well-known/openid-configuration`)).json();
      expect(metadata.issuer).toBe(stack.idpUrl);
      expect(stack.output()).toContain(`Local test OpenID provider at ${stack.idpUrl}`);
    });

    it("registers the client of provider `local` (auth-api-local) with the API's callback, its secret kept in the data folder", async () => {
      const secret = readFileSync(join(stack.dataDir, "idp-client-secret"), "utf8").trim();
      expect(secret.length).toBeGreaterThanOrEqual(32);
      const client = { client_id: "auth-api-local", client_secret: secret, redirect_uris: [`${stack.baseUrl}/auth/providers/local/callback`] };
      const config = await oidcClient.discovery(new URL(stack.idpUrl), client.client_id, undefined, oidcClient.ClientSecretBasic(secret), {
        execute: [oidcClient.allowInsecureRequests],
      });
      const flow = await authorizationRequest(config, client);
      const signIn = await signInAtLocalIdp(flow.url, "stack@example.com", { deliver: false });
      expect(signIn.callback.url.href).toBe(`${stack.baseUrl}/auth/providers/local/callback`);
      const tokens = await oidcClient.authorizationCodeGrant(config, callbackInput(signIn), {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
      });
      expect(tokens.claims()).toMatchObject({ email: "stack@example.com", email_verified: true });
      expect(stack.output()).not.toContain(secret);
    });

    it("registers a client for every configured provider at its issuer (here a form_post one)", async () => {
      const client = { client_id: "apple-like-client", client_secret: appleLikeSecret, redirect_uris: [`${stack.baseUrl}/auth/providers/apple-like/callback`] };
      const config = await oidcClient.discovery(new URL(stack.idpUrl), client.client_id, undefined, oidcClient.ClientSecretBasic(appleLikeSecret), {
        execute: [oidcClient.allowInsecureRequests],
      });
      const flow = await authorizationRequest(config, client, { response_mode: "form_post" });
      const signIn = await signInAtLocalIdp(flow.url, "apple-like@example.com", { deliver: false });
      expect(signIn.callback).toMatchObject({ method: "POST", provider: "apple-like" });
      expect(signIn.callback.url.href).toBe(`${stack.baseUrl}/auth/providers/apple-like/callback`);
    });
  });

  describe("with LOCAL_IDP=false", () => {
    let stack: Stack;

    beforeAll(async () => {
      stack = await startStack({ env: { LOCAL_IDP: "false" } });
    });

    afterAll(async () => {
      await stack?.stop();
    });

    it("leaves it out: nothing answers on IDP_PORT, and the ready lines do not name it", async () => {
      await expect(fetch(`${stack.idpUrl}/.well-known/openid-configuration`)).rejects.toThrow(/fetch failed/);
      expect(stack.output()).toContain("Auth API ready at");
      expect(stack.output()).not.toContain("Local test OpenID provider");
    });
  });
});
