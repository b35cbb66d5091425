// Signing in through outside OpenID providers, end to end over one real stack
// (serverless offline, DynamoDB Local, the local SES engine and the local test
// IdP of `npm start`): a registered client's /oauth2/authorize?...&provider=<id>
// -> the provider's sign-in page (test/helpers/local-idp.ts, plain HTTP) -> our
// callback -> the client's redirect URI with our code -> openid-client's token
// exchange, whose ID token names our user.
//
// The providers, all real oidc-provider instances (scripts/local-idp.mjs), none mocked:
//   local       the stack's local IdP, as `npm start` configures it (query mode)
//   form-post   the same IdP, a client held to response_mode=form_post (POST callback)
//   apple-like  the same IdP through the `apple` preset: form_post, scopes openid email name,
//               an ES256 client secret made from a key (client_secret_post), and
//               email_verified sent as the string "true", as Apple does
//   outside     a second IdP this file runs, configured through AUTH_PROVIDERS as an outside
//               suite would, which reports addresses starting `unverified-` as not verified
//               (the stack's local IdP verifies every address)
//
// Cases: a new user, the same identity again (a new browser, and single sign-on), an
// existing verified account linked, an existing unverified one refused (account_exists),
// unverified emails (email_not_verified), both form_post providers, the hosted page's
// "Continue with", tampered and replayed state, a code the provider never issued, a
// tampered nonce and PKCE challenge, the provider's own refusal, a second factor after
// the provider, and disabled accounts.
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import * as oidcClient from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { totpCodeAt } from "../../lib/methods/totp/totp.js";
import { freePort } from "../../scripts/local-dynamodb.mjs";
import { startLocalIdp, type LocalIdp } from "../../scripts/local-idp.mjs";
import { client, type Client } from "../helpers/client.js";
import { PASSWORD, jwtPayload, uniqueEmail } from "../helpers/fixtures.js";
import { deliverCallback, signInAtLocalIdp, type LocalIdpSignIn, type SignInOptions } from "../helpers/local-idp.js";
import { countEvents, eventsOf, identitiesOf, passwordAccount } from "../helpers/accounts.js";
import { linkToken, mailbox, type Mailbox } from "../helpers/mailbox.js";
import { oidc, pkce, type Oidc, type RegisteredClient } from "../helpers/oidc.js";
import { startStack, type Stack } from "../helpers/stack.js";

/** The registered client's redirect URI: never fetched, the flows stop at its Location. */
// The web app's own client (`web`, registered by npm start): the account routes take only its tokens
// (and the JSON routes'), never another application's (lib/http/routes.ts).
let RP: string;
const APPLE = { teamId: "TEAM123456", keyId: "KEY1234567" };
const OUTSIDE_CLIENT = { client_id: "outside-rp", client_secret: randomUUID() };
const STEP = 30_000;

let stack: Stack;
let kit: Oidc;
let api: Client;
let mail: Mailbox;
let outside: LocalIdp;
let rp: RegisteredClient;
let rpConfig: oidcClient.Configuration;

beforeAll(async () => {
  // The ports first: the outside IdP registers our callback, and the providers name the stack's IdP.
  const [port, idpPort, outsidePort] = [await freePort(), await freePort(), await freePort()];
  const idpUrl = `http://localhost:${idpPort}`;
  outside = await startLocalIdp({
    port: outsidePort,
    clients: [{ ...OUTSIDE_CLIENT, redirect_uris: [`http://localhost:${port}/auth/providers/outside/callback`] }],
    emailVerified: (email) => !email.startsWith("unverified-"),
  });
  const applePem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const providers = [
    { id: "form-post", name: "Form-post provider", type: "oidc", issuer: idpUrl, clientId: "form-post-rp", clientSecret: randomUUID(), responseMode: "form_post" },
    { id: "apple-like", name: "Apple-like", preset: "apple", issuer: idpUrl, clientId: "com.example.apple-like", apple: { ...APPLE, privateKey: applePem } },
    { id: "outside", name: "Outside provider", type: "oidc", issuer: outside.issuer, clientId: OUTSIDE_CLIENT.client_id, clientSecret: OUTSIDE_CLIENT.client_secret },
  ];
  stack = await startStack({ port, idpPort, env: { AUTH_PROVIDERS: JSON.stringify(providers) } });
  expect(stack.idpUrl).toBe(idpUrl);
  kit = oidc(stack);
  api = client(stack.baseUrl);
  mail = mailbox(stack.mailUrl);
  RP = `${stack.appUrl}/callback`;
  rp = { clientId: "web" } as typeof rp;
  rpConfig = await kit.relyingParty(rp.clientId);
});

afterAll(async () => {
  await stack?.stop();
  await outside?.stop();
});

// ---- helpers -------------------------------------------------------------------------------------

interface Flow {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

/** A fresh authorization request of the registered client, straight to `provider`. */
async function providerAuthorization(provider: string, extra: Record<string, string> = {}): Promise<Flow> {
  const { verifier, challenge, state, nonce } = await pkce();
  const url = kit.authorizationUrl({
    response_type: "code",
    client_id: rp.clientId,
    redirect_uri: RP,
    scope: "openid email profile",
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
    provider,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** The whole trip for `email` at `provider`: our authorize, the IdP's page, our callback (delivered unless told). */
async function signInWith(provider: string, email: string, options: SignInOptions = {}): Promise<{ flow: Flow; trip: LocalIdpSignIn }> {
  const flow = await providerAuthorization(provider);
  const trip = await signInAtLocalIdp(flow.url, email, options);
  // Every outcome of the callback is a redirect (openapi.yaml, providerCallback).
  if (trip.reply) expect(trip.reply.status, `our callback answered ${trip.reply.status}: ${trip.reply.text}`).toBe(302);
  return { flow, trip };
}

/** The callback sent the browser to the client with our code: exchanged by openid-client (ID token verified). */
async function exchange(location: URL | null | undefined, flow: Flow) {
  expect(location, "our callback's Location").toBeTruthy();
  expect(`${location!.origin}${location!.pathname}`, location!.href).toBe(RP);
  expect(location!.searchParams.get("error"), location!.href).toBeNull();
  expect(location!.searchParams.get("iss")).toBe(stack.baseUrl);
  const tokens = await oidcClient.authorizationCodeGrant(rpConfig, location!, {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
    idTokenExpected: true,
  });
  return { tokens, claims: tokens.claims()! };
}

/** A new user's (or a known one's) sign-in through `provider`, to the client's tokens. */
async function providerSignin(provider: string, email: string, options: SignInOptions = {}) {
  const { flow, trip } = await signInWith(provider, email, options);
  return { ...(await exchange(trip.location, flow)), trip, flow };
}

/** The callback refused: access_denied at the client's redirect URI, `<code>: ...` first in the description, no code. */
function expectRefused(location: URL | null | undefined, flow: Flow, code: string): void {
  expect(location, "our callback's Location").toBeTruthy();
  expect(`${location!.origin}${location!.pathname}`, location!.href).toBe(RP);
  expect(location!.searchParams.get("error"), location!.href).toBe("access_denied");
  expect(location!.searchParams.get("error_description") ?? "", location!.href).toMatch(new RegExp(`^${code}: \\S`));
  expect(location!.searchParams.get("state")).toBe(flow.state);
  expect(location!.searchParams.get("iss")).toBe(stack.baseUrl);
  expect(location!.searchParams.has("code"), location!.href).toBe(false);
  expect(location!.href).not.toMatch(/Exception|\bat \S+:\d+|node_modules|DynamoDB|ConditionalCheck/i);
}

/** The hosted page's error for a state that is unknown, expired, used or another provider's. */
function expectInvalidState(location: URL | null | undefined): void {
  expect(location?.href).toBe(`${stack.appUrl}/authorize?error=invalid_state`);
}

async function adminToken(): Promise<string> {
  return (await kit.admin()).accessToken;
}

/** The users with this email (the admin's exact lookup): [] when none. */
async function usersWithEmail(email: string): Promise<any[]> {
  const reply = await api.get(`/users?email=${encodeURIComponent(email)}`, { token: await adminToken() });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.users;
}

async function me(token: string) {
  const reply = await api.get("/users/me", { token });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.user;
}

const identities = (token: string) => identitiesOf(api, token);
const events = (token: string) => eventsOf(api, token);
const count = countEvents;

const verifiedAccount = (label: string) => passwordAccount(api, mail, stack.appUrl, label);
const unverifiedAccount = (label: string) => passwordAccount(api, mail, stack.appUrl, label, { verified: false });

// ---- the tests -----------------------------------------------------------------------------------

describe("GET /auth/providers", () => {
  it("lists each configured provider's id and name, the local test provider included, and nothing else", async () => {
    const reply = await api.get("/auth/providers");
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.providers).toEqual(
      expect.arrayContaining([
        { id: "local", name: "Local test provider" },
        { id: "form-post", name: "Form-post provider" },
        { id: "apple-like", name: "Apple-like" },
        { id: "outside", name: "Outside provider" },
      ]),
    );
    expect(reply.body.providers).toHaveLength(4);
    expect(reply.text).not.toMatch(/secret|BEGIN|issuer|clientId/i);
  });
});

describe("a new user through the local provider", () => {
  it("is created (email verified, no password, roles user), linked, signed in: the ID token's sub is the new user", async () => {
    const email = uniqueEmail("idp-new");
    expect(await usersWithEmail(email)).toEqual([]);
    const { tokens, claims, trip } = await providerSignin("local", email);
    expect(trip.signInPageShown).toBe(true);
    expect(trip.callback.method).toBe("GET");

    expect(claims.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims).toMatchObject({ iss: stack.baseUrl, aud: rp.clientId, email, email_verified: true });
    expect(claims.amr).toEqual(["fed"]);
    const user = await me(tokens.access_token);
    expect(user).toMatchObject({ id: claims.sub, email, emailVerified: true, hasPassword: false, roles: ["user"], mfaEnabled: false });
    // The IdP's name (the email's local part when none is typed) becomes the user's.
    expect(user.name).toBe(email.slice(0, email.indexOf("@")));
    expect(await usersWithEmail(email)).toEqual([expect.objectContaining({ id: claims.sub, hasPassword: false })]);

    const listed = await identities(tokens.access_token);
    expect(listed).toEqual([{ provider: "local", email, linkedAt: expect.any(String) }]);
    expect(new Date(listed[0].linkedAt).toISOString()).toBe(listed[0].linkedAt);

    const recorded = await events(tokens.access_token);
    expect(count(recorded, "signup")).toBe(1);
    expect(count(recorded, "identity_linked", "provider:local")).toBe(1);
    expect(count(recorded, "signin", "provider:local")).toBe(1);
    expect(count(recorded, "signin")).toBe(1);

    // No password to sign in with.
    const password = await api.post("/auth/signin", { email, password: PASSWORD });
    expect(password.status, password.text).toBe(401);
  });

  it("the same identity again signs in to the same user, from a new browser and from the same one, creating nothing", async () => {
    const email = uniqueEmail("idp-again");
    const first = await providerSignin("local", email);
    // A new browser, the address typed in other case: the IdP's sub is the same.
    const second = await providerSignin("local", email.toUpperCase());
    expect(second.claims.sub).toBe(first.claims.sub);
    // The first browser, holding the IdP's session (npm start's IdP asks every time, prefilled).
    const third = await providerSignin("local", email, { jar: first.trip.jar });
    expect(third.claims.sub).toBe(first.claims.sub);

    expect(await usersWithEmail(email)).toHaveLength(1);
    const recorded = await events(third.tokens.access_token);
    expect(count(recorded, "signup")).toBe(1);
    expect(count(recorded, "identity_linked")).toBe(1);
    expect(count(recorded, "signin", "provider:local")).toBe(3);
    expect(await identities(third.tokens.access_token)).toEqual([{ provider: "local", email, linkedAt: expect.any(String) }]);
  });
});

describe("an account that has the provider's email", () => {
  it("a verified password account is linked (identity_linked) and signed in; its password still works", async () => {
    const account = await verifiedAccount("idp-verified");
    // The provider reports the address in other case: emails compare case-insensitively.
    const { tokens, claims } = await providerSignin("local", account.email.toUpperCase());
    expect(claims.sub).toBe(account.userId);
    expect(await me(tokens.access_token)).toMatchObject({ id: account.userId, email: account.email, emailVerified: true, hasPassword: true });
    expect(await identities(account.accessToken)).toEqual([{ provider: "local", email: account.email.toUpperCase(), linkedAt: expect.any(String) }]);
    const recorded = await events(account.accessToken);
    expect(count(recorded, "identity_linked", "provider:local")).toBe(1);
    expect(count(recorded, "signin", "provider:local")).toBe(1);
    expect(count(recorded, "signup")).toBe(1);
    expect((await api.post("/auth/signin", { email: account.email, password: PASSWORD })).status).toBe(200);
    expect(await usersWithEmail(account.email)).toHaveLength(1);
  });

  it("an UNverified account refuses: access_denied account_exists, nothing linked; once verified, the same identity links", async () => {
    const account = await unverifiedAccount("idp-unverified");
    const { flow, trip } = await signInWith("local", account.email);
    expectRefused(trip.location, flow, "account_exists");
    expect(await identities(account.accessToken)).toEqual([]);
    expect(count(await events(account.accessToken), "identity_linked")).toBe(0);
    expect(await usersWithEmail(account.email)).toEqual([expect.objectContaining({ id: account.userId, emailVerified: false, hasPassword: true })]);

    // The refusal finished the request: its state is spent too.
    expectInvalidState((await deliverCallback(trip.callback)).location);

    const token = linkToken((await mail.waitFor(account.email, /Confirm your email/))[0]!, stack.appUrl, "verify-email");
    expect((await api.post("/auth/email/verify", { token })).status).toBe(200);
    const { claims } = await providerSignin("local", account.email);
    expect(claims.sub).toBe(account.userId);
  });

  it("a user created by one provider is linked by another that verifies the same email", async () => {
    const email = uniqueEmail("idp-two");
    const first = await providerSignin("local", email);
    const second = await providerSignin("form-post", email);
    expect(second.claims.sub).toBe(first.claims.sub);
    const listed = await identities(second.tokens.access_token);
    expect(listed.map((identity) => identity.provider).sort()).toEqual(["form-post", "local"]);
  });
});

describe("a provider that does not verify the email (outside, `unverified-` addresses)", () => {
  it("signs a verified address in as usual (the control)", async () => {
    const email = uniqueEmail("outside-ok");
    const { tokens, claims } = await providerSignin("outside", email);
    expect(await me(tokens.access_token)).toMatchObject({ id: claims.sub, email, emailVerified: true, hasPassword: false });
    expect(count(await events(tokens.access_token), "signin", "provider:outside")).toBe(1);
  });

  it("creates nothing for an unverified address: access_denied email_not_verified", async () => {
    const email = uniqueEmail("unverified-new");
    const { flow, trip } = await signInWith("outside", email);
    expectRefused(trip.location, flow, "email_not_verified");
    expect(await usersWithEmail(email)).toEqual([]);
  });

  it("links no account to an unverified address, even a verified account's: email_not_verified", async () => {
    const account = await verifiedAccount("unverified-owner");
    const { flow, trip } = await signInWith("outside", account.email);
    expectRefused(trip.location, flow, "email_not_verified");
    expect(await identities(account.accessToken)).toEqual([]);
    expect(count(await events(account.accessToken), "identity_linked")).toBe(0);
  });

  it("an identity the user linked while signed in signs in by its sub, though its address is unverified (rule 1)", async () => {
    const account = await verifiedAccount("outside-linker");
    const atIdp = uniqueEmail("unverified-linked");
    const started = await api.post("/users/me/identities", { provider: "outside", redirectUri: `${stack.appUrl}/profile` }, { token: account.accessToken });
    expect(started.status, started.text).toBe(200);
    const linked = await signInAtLocalIdp(started.body.authorizeUrl, atIdp);
    expect(linked.reply!.status, `our callback answered ${linked.reply!.status}: ${linked.reply!.text}`).toBe(302);
    expect(linked.location?.href).toBe(`${stack.appUrl}/profile?linked=outside`);
    expect(await identities(account.accessToken)).toEqual([{ provider: "outside", email: atIdp, linkedAt: expect.any(String) }]);
    const { claims } = await providerSignin("outside", atIdp);
    expect(claims.sub).toBe(account.userId);
    expect(await usersWithEmail(atIdp)).toEqual([]);
  });
});

describe("form_post providers (the callback is a POST)", () => {
  it("a plain OpenID provider held to form_post signs a new user in", async () => {
    const email = uniqueEmail("form-post");
    const { tokens, claims, trip } = await providerSignin("form-post", email);
    expect(trip.callback.method).toBe("POST");
    expect(trip.callback.responseMode).toBe("form_post");
    expect(await me(tokens.access_token)).toMatchObject({ id: claims.sub, email, emailVerified: true, hasPassword: false });
    const recorded = await events(tokens.access_token);
    expect(count(recorded, "identity_linked", "provider:form-post")).toBe(1);
    expect(count(recorded, "signin", "provider:form-post")).toBe(1);
  });

  it("the apple preset: form_post, an ES256 client secret from the key, email_verified as the string \"true\"", async () => {
    const email = uniqueEmail("apple-like");
    const { tokens, claims, trip } = await providerSignin("apple-like", email);
    expect(trip.callback.method).toBe("POST");
    // The preset asks for Apple's scopes.
    const atIdp = trip.hops.find((hop) => new URL(hop.url).pathname === "/auth" && new URL(hop.url).searchParams.has("client_id"));
    expect(new URL(atIdp!.url).searchParams.get("scope")).toBe("openid email name");
    expect(new URL(atIdp!.url).searchParams.get("response_mode")).toBe("form_post");
    expect(await me(tokens.access_token)).toMatchObject({ id: claims.sub, email, emailVerified: true, hasPassword: false });
    expect(count(await events(tokens.access_token), "signin", "provider:apple-like")).toBe(1);
  });

  it("a replayed form_post answer finds its state spent", async () => {
    const { flow, trip } = await signInWith("form-post", uniqueEmail("form-replay"));
    await exchange(trip.location, flow);
    expectInvalidState((await deliverCallback(trip.callback)).location);
  });
});

describe("the way to the provider", () => {
  it("sends the IdP PKCE S256, state and nonce of our own, and our callback as redirect URI; never the client's values", async () => {
    const flow = await providerAuthorization("local", { login_hint: "hint@example.com" });
    const start = await kit.startAuthorization(flow.url);
    expect(start.status, start.text).toBe(302);
    const atIdp = start.location!;
    expect(atIdp.origin).toBe(stack.idpUrl);
    expect(Object.fromEntries(atIdp.searchParams)).toMatchObject({
      response_type: "code",
      client_id: "auth-api-local",
      redirect_uri: `${stack.baseUrl}/auth/providers/local/callback`,
      code_challenge_method: "S256",
      login_hint: "hint@example.com",
    });
    expect(atIdp.searchParams.get("scope")!.split(" ")).toEqual(expect.arrayContaining(["openid", "email"]));
    expect(atIdp.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(atIdp.searchParams.get("state")!.length).toBeGreaterThanOrEqual(22);
    expect(atIdp.searchParams.get("nonce")!.length).toBeGreaterThanOrEqual(22);
    expect(atIdp.searchParams.get("state")).not.toBe(flow.state);
    expect(atIdp.searchParams.get("nonce")).not.toBe(flow.nonce);
    expect(atIdp.href).not.toContain(flow.state);
  });

  it("an unknown provider is the client's invalid_request (a redirect with its state), no trip anywhere", async () => {
    const flow = await providerAuthorization("no-such-provider");
    const start = await kit.startAuthorization(flow.url);
    expect(start.status, start.text).toBe(302);
    expect(`${start.location!.origin}${start.location!.pathname}`).toBe(RP);
    expect(start.location!.searchParams.get("error")).toBe("invalid_request");
    expect(start.location!.searchParams.get("state")).toBe(flow.state);
  });

  it("the hosted page's \"Continue with\" (POST /oauth2/requests/{id}/provider) goes on at the provider and ends with the code", async () => {
    const { verifier, challenge, state, nonce } = await pkce();
    const url = kit.authorizationUrl({
      response_type: "code",
      client_id: rp.clientId,
      redirect_uri: RP,
      scope: "openid email",
      state,
      nonce,
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    const start = await kit.startAuthorization(url);
    expect(start.requestId, start.location?.href).toBeTruthy();
    const unknown = await api.post(`/oauth2/requests/${start.requestId}/provider`, { provider: "no-such-provider" });
    expect(unknown.status, unknown.text).toBe(400);
    expect(unknown.body.code).toBe("invalid_request");
    const chosen = await api.post(`/oauth2/requests/${start.requestId}/provider`, { provider: "local" });
    expect(chosen.status, chosen.text).toBe(200);
    expect(new URL(chosen.body.redirectTo).origin).toBe(stack.idpUrl);
    const email = uniqueEmail("idp-hosted");
    const trip = await signInAtLocalIdp(chosen.body.redirectTo, email);
    const { claims } = await exchange(trip.location, { url, verifier, state, nonce });
    expect(claims.email).toBe(email);
  });
});

describe("tampering with the provider's answer", () => {
  it("an unknown or missing state goes to the hosted page's invalid_state and spends nothing; the genuine answer still works", async () => {
    const email = uniqueEmail("idp-state");
    const { flow, trip } = await signInWith("local", email, { deliver: false });
    const forged = { ...trip.callback, params: new URLSearchParams(trip.callback.params) };
    forged.params.set("state", randomBytes(32).toString("base64url"));
    expectInvalidState((await deliverCallback(forged)).location);
    const stateless = { ...trip.callback, params: new URLSearchParams(trip.callback.params) };
    stateless.params.delete("state");
    expectInvalidState((await deliverCallback(stateless)).location);
    expect(await usersWithEmail(email)).toEqual([]);

    const { claims } = await exchange((await deliverCallback(trip.callback)).location, flow);
    expect(claims.email).toBe(email);
  });

  it("a replayed callback (the same state twice) is invalid_state the second time, and issues no second code", async () => {
    const { flow, trip } = await signInWith("local", uniqueEmail("idp-replay"));
    await exchange(trip.location, flow);
    const again = await deliverCallback(trip.callback);
    expect(again.status).toBe(302);
    expectInvalidState(again.location);
  });

  it("a state delivered to another provider's callback is invalid_state", async () => {
    const { trip } = await signInWith("local", uniqueEmail("idp-cross"), { deliver: false });
    const elsewhere = { ...trip.callback, url: new URL(`${stack.baseUrl}/auth/providers/form-post/callback`) };
    expectInvalidState((await deliverCallback(elsewhere)).location);
    const unknownProvider = { ...trip.callback, url: new URL(`${stack.baseUrl}/auth/providers/nope/callback`) };
    expectInvalidState((await deliverCallback(unknownProvider)).location);
  });

  it("a code the provider never issued: access_denied (invalid_grant), nothing created, the state spent", async () => {
    const email = uniqueEmail("idp-forged-code");
    const { flow, trip } = await signInWith("local", email, { deliver: false });
    const forged = { ...trip.callback, params: new URLSearchParams(trip.callback.params) };
    forged.params.set("code", randomBytes(32).toString("base64url"));
    expectRefused((await deliverCallback(forged)).location, flow, "invalid_grant");
    expect(await usersWithEmail(email)).toEqual([]);
    expectInvalidState((await deliverCallback(trip.callback)).location);
    expect(await usersWithEmail(email)).toEqual([]);
  });

  it("a code the IdP issued to another of its clients (form-post's, delivered with local's state): access_denied, nothing created", async () => {
    const email = uniqueEmail("idp-other-client");
    const ours = await signInWith("local", email, { deliver: false });
    const theirs = await signInWith("form-post", email, { deliver: false });
    const swapped = { ...ours.trip.callback, params: new URLSearchParams(ours.trip.callback.params) };
    swapped.params.set("code", theirs.trip.callback.params.get("code")!);
    expectRefused((await deliverCallback(swapped)).location, ours.flow, "invalid_grant");
    expect(await usersWithEmail(email)).toEqual([]);
  });

  it("an answer naming another issuer (RFC 9207 iss, the mix-up defence): access_denied, nothing created", async () => {
    const email = uniqueEmail("idp-iss");
    const { flow, trip } = await signInWith("local", email, { deliver: false });
    expect(trip.callback.params.get("iss")).toBe(stack.idpUrl);
    const mixed = { ...trip.callback, params: new URLSearchParams(trip.callback.params) };
    mixed.params.set("iss", outside.issuer);
    expectRefused((await deliverCallback(mixed)).location, flow, "invalid_grant");
    expect(await usersWithEmail(email)).toEqual([]);
  });

  it("a nonce changed on the way to the provider: its ID token does not verify, access_denied, nothing created", async () => {
    const email = uniqueEmail("idp-nonce");
    const flow = await providerAuthorization("local");
    const start = await kit.startAuthorization(flow.url);
    const atIdp = new URL(start.location!);
    atIdp.searchParams.set("nonce", randomBytes(16).toString("base64url"));
    const trip = await signInAtLocalIdp(atIdp, email);
    expectRefused(trip.location, flow, "invalid_grant");
    expect(await usersWithEmail(email)).toEqual([]);
  });

  it("a PKCE challenge changed on the way to the provider: the IdP refuses our verifier, access_denied, nothing created", async () => {
    const email = uniqueEmail("idp-pkce");
    const flow = await providerAuthorization("local");
    const start = await kit.startAuthorization(flow.url);
    const atIdp = new URL(start.location!);
    atIdp.searchParams.set("code_challenge", (await pkce()).challenge);
    const trip = await signInAtLocalIdp(atIdp, email);
    expectRefused(trip.location, flow, "invalid_grant");
    expect(await usersWithEmail(email)).toEqual([]);
  });

  it("the provider's own refusal (Cancel at the IdP) reaches the client as access_denied", async () => {
    const email = uniqueEmail("idp-cancel");
    const { flow, trip } = await signInWith("local", email, { cancel: true });
    expect(trip.callback.params.get("error")).toBe("access_denied");
    expectRefused(trip.location, flow, "access_denied");
    expect(await usersWithEmail(email)).toEqual([]);
  });
});

describe("a user with a second factor", () => {
  it("is sent to the hosted page with an mfaToken; the TOTP code gives a session that completes the request with our code", async () => {
    // A user the provider created (no link to an older account involved), who then turns TOTP on.
    const email = uniqueEmail("idp-mfa");
    const created = await providerSignin("local", email);
    const account = { email, userId: created.claims.sub, accessToken: created.tokens.access_token };
    const started = await api.post("/users/me/mfa/totp", undefined, { token: account.accessToken });
    expect(started.status, started.text).toBe(201);
    const { secret } = started.body as { secret: string };
    const confirmed = await api.post("/users/me/mfa/totp/confirm", { code: totpCodeAt(secret, Date.now()) }, { token: account.accessToken });
    expect(confirmed.status, confirmed.text).toBe(200);

    const { flow, trip } = await signInWith("local", account.email);
    const location = trip.location!;
    expect(`${location.origin}${location.pathname}`, location.href).toBe(`${stack.appUrl}/authorize`);
    const requestId = location.searchParams.get("request")!;
    expect(requestId).toBeTruthy();
    expect(location.searchParams.has("code")).toBe(false);
    const fragment = new URLSearchParams(location.hash.slice(1));
    const mfaToken = fragment.get("mfaToken")!;
    expect(mfaToken).toBeTruthy();
    expect(fragment.get("factors")!.split(",")).toEqual(expect.arrayContaining(["totp", "recovery_code"]));
    // Not signed in yet: no signin event, the request still waiting.
    expect(count(await events(account.accessToken), "signin", "provider:local")).toBe(1); // the first, before TOTP
    expect((await kit.hostedRequest(requestId)).status).toBe(200);

    const wrong = await api.post("/auth/mfa/verify", { mfaToken, factor: "totp", code: totpCodeAt(secret, Date.now() + 10 * STEP) });
    expect(wrong.status, wrong.text).toBe(401);
    const verified = await api.post("/auth/mfa/verify", { mfaToken, factor: "totp", code: totpCodeAt(secret, Date.now() + STEP) });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.user.id).toBe(account.userId);
    expect(jwtPayload(verified.body.accessToken).amr).toEqual(expect.arrayContaining(["fed", "otp", "mfa"]));
    expect(jwtPayload(verified.body.accessToken).amr).not.toContain("pwd");

    const done = await kit.complete(requestId, verified.body.accessToken);
    expect(done.status, done.text).toBe(200);
    const { claims } = await exchange(new URL(done.body.redirectTo), flow);
    expect(claims.sub).toBe(account.userId);
    expect(claims.amr).toEqual(expect.arrayContaining(["fed", "otp", "mfa"]));
    expect(count(await events(account.accessToken), "signin", "provider:local")).toBe(2);
  });
});

describe("a disabled account", () => {
  async function disable(userId: string): Promise<void> {
    const reply = await api.patch(`/users/${userId}`, { disabled: true }, { token: await adminToken() });
    expect(reply.status, reply.text).toBe(200);
  }

  it("a provider's user, disabled by an admin: access_denied account_disabled", async () => {
    const email = uniqueEmail("idp-disabled");
    const { claims } = await providerSignin("local", email);
    await disable(claims.sub);
    const { flow, trip } = await signInWith("local", email);
    expectRefused(trip.location, flow, "account_disabled");
  });

  it("a disabled verified account that has the provider's email (not linked yet): access_denied account_disabled, nothing linked", async () => {
    const account = await verifiedAccount("idp-disabled-owner");
    await disable(account.userId);
    const { flow, trip } = await signInWith("local", account.email);
    expectRefused(trip.location, flow, "account_disabled");
    const [user] = await usersWithEmail(account.email);
    expect(user).toMatchObject({ id: account.userId, disabled: true });
  });
});
