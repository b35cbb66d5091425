// A signed-in user's outside identities, end to end over one real stack with
// its local test IdP (provider `local`): POST /users/me/identities answers the
// provider's authorizeUrl, the IdP's page (test/helpers/local-idp.ts) signs in,
// our callback links the identity to the caller and sends the browser back to
// the app's redirectUri (?linked=local, or ?error=<code>&provider=local);
// GET lists it, DELETE unlinks it, never the last way to sign in. Plus the
// refusals: another user's identity (identity_in_use), a second identity of a
// provider (already_registered), a redirectUri off the app's origins, an unknown
// provider, no token, a user with a second factor on a password-only session.
import { randomUUID } from "node:crypto";
import * as oidcClient from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { totpCodeAt } from "../../lib/methods/totp/totp.js";
import { client, type Client, type Reply } from "../helpers/client.js";
import { PASSWORD, uniqueEmail } from "../helpers/fixtures.js";
import { deliverCallback, signInAtLocalIdp, type LocalIdpSignIn, type SignInOptions } from "../helpers/local-idp.js";
import { countEvents, eventsOf, identitiesOf, passwordAccount } from "../helpers/accounts.js";
import { linkToken, mailbox, type Mailbox } from "../helpers/mailbox.js";
import { localProviderSignin, oidc, type Oidc, type RegisteredClient } from "../helpers/oidc.js";
import { startStack, type Stack } from "../helpers/stack.js";

/** The registered client's redirect URI (never fetched). */
// The web app's own client (`web`, registered by npm start): the account routes take only its tokens
// (and the JSON routes'), never another application's (lib/http/routes.ts).
let RP: string;
const NEW_PASSWORD = "a brand new passphrase for this one";
const STEP = 30_000;

let stack: Stack;
let kit: Oidc;
let api: Client;
let mail: Mailbox;
let rp: RegisteredClient;
let rpConfig: oidcClient.Configuration;
/** Where the profile page's links come back to. */
let profile: string;

beforeAll(async () => {
  stack = await startStack();
  kit = oidc(stack);
  api = client(stack.baseUrl);
  mail = mailbox(stack.mailUrl);
  profile = `${stack.appUrl}/profile`;
  RP = `${stack.appUrl}/callback`;
  rp = { clientId: "web" } as typeof rp;
  rpConfig = await kit.relyingParty(rp.clientId);
});

afterAll(async () => {
  await stack?.stop();
});

// ---- helpers -------------------------------------------------------------------------------------

function expectError(reply: Reply, status: number, code: string, label = ""): void {
  expect(reply.status, `${label} ${reply.text}`).toBe(status);
  expect(reply.body?.code, `${label} ${reply.text}`).toBe(code);
  expect(typeof reply.body?.message).toBe("string");
  expect(reply.text).not.toMatch(/Exception|\bat \S+:\d+|node_modules|DynamoDB|ConditionalCheck/i);
}

/** A password user whose email is verified (the default): only such a user may link an identity (pre-hijacking, identity-settings.ts). */
const passwordUser = (label: string, options: { verified?: boolean } = {}) => passwordAccount(api, mail, stack.appUrl, label, options);

const startLink = (token: string, body: unknown) => api.post("/users/me/identities", body, { token });

/** POST /users/me/identities, then the IdP's page as `email`, then our callback: where the browser lands. */
async function link(token: string, email: string, redirectUri = profile, options: SignInOptions = {}): Promise<{ landed: URL; trip: LocalIdpSignIn }> {
  const started = await startLink(token, { provider: "local", redirectUri });
  expect(started.status, started.text).toBe(200);
  expect(Object.keys(started.body)).toEqual(["authorizeUrl"]);
  const authorizeUrl = new URL(started.body.authorizeUrl);
  expect(authorizeUrl.origin).toBe(stack.idpUrl);
  expect(authorizeUrl.searchParams.get("redirect_uri")).toBe(`${stack.baseUrl}/auth/providers/local/callback`);
  const trip = await signInAtLocalIdp(authorizeUrl, email, options);
  expect(trip.reply!.status, `our callback answered ${trip.reply!.status}: ${trip.reply!.text}`).toBe(302);
  return { landed: trip.location!, trip };
}

function expectLanded(landed: URL, redirectUri: string, parameters: Record<string, string>): void {
  expect(`${landed.origin}${landed.pathname}`, landed.href).toBe(redirectUri.split("?")[0]);
  for (const [name, value] of Object.entries(parameters)) expect(landed.searchParams.get(name), landed.href).toBe(value);
  if (!("error" in parameters)) expect(landed.searchParams.has("error"), landed.href).toBe(false);
  if (!("linked" in parameters)) expect(landed.searchParams.has("linked"), landed.href).toBe(false);
}

const identities = (token: string) => identitiesOf(api, token);
const events = (token: string) => eventsOf(api, token);
const count = countEvents;

/** A sign-in of the web app's client through the local provider, to its tokens; the ID token's sub is our user. */
const providerSignin = (email: string) => localProviderSignin(kit, rpConfig, RP, email);

// ---- the tests -----------------------------------------------------------------------------------

describe("linking, listing and unlinking", () => {
  it("a password user links the local identity, lists it, signs in with it, and unlinks it", async () => {
    const user = await passwordUser("link");
    expect(await identities(user.accessToken)).toEqual([]);
    // The identity's address need not be the account's: the user proves both sides.
    const atIdp = uniqueEmail("link-idp");
    const { landed } = await link(user.accessToken, atIdp);
    expectLanded(landed, profile, { linked: "local" });

    const listed = await identities(user.accessToken);
    expect(listed).toEqual([{ provider: "local", email: atIdp, linkedAt: expect.any(String) }]);
    expect(Date.now() - Date.parse(listed[0].linkedAt)).toBeLessThan(120_000);
    expect(count(await events(user.accessToken), "identity_linked", "provider:local")).toBe(1);
    expect((await api.get("/users/me", { token: user.accessToken })).body.user).toMatchObject({ id: user.userId, email: user.email, hasPassword: true });

    // An admin sees the same list (the console's user page); the user may not ask for it by id; no one's is 404.
    const adminToken = (await kit.admin()).accessToken;
    const asAdmin = await api.get(`/users/${user.userId}/identities`, { token: adminToken });
    expect(asAdmin.status, asAdmin.text).toBe(200);
    expect(asAdmin.body).toEqual({ identities: listed });
    expectError(await api.get(`/users/${user.userId}/identities`, { token: user.accessToken }), 403, "forbidden");
    expectError(await api.get(`/users/${randomUUID()}/identities`, { token: adminToken }), 404, "not_found");

    // The linked identity signs in to this user.
    expect((await providerSignin(atIdp)).sub).toBe(user.userId);

    // Linking it again is no change.
    expectLanded((await link(user.accessToken, atIdp)).landed, profile, { linked: "local" });
    expect(count(await events(user.accessToken), "identity_linked")).toBe(1);

    const unlinked = await api.delete("/users/me/identities/local", undefined, { token: user.accessToken });
    expect(unlinked.status, unlinked.text).toBe(204);
    expect(unlinked.text).toBe("");
    expect(await identities(user.accessToken)).toEqual([]);
    expect(count(await events(user.accessToken), "identity_unlinked", "provider:local")).toBe(1);
    expectError(await api.delete("/users/me/identities/local", undefined, { token: user.accessToken }), 404, "not_found");

    // Unlinked, the identity no longer reaches this user: its own (verified) address makes a new one.
    const again = await providerSignin(atIdp);
    expect(again.sub).not.toBe(user.userId);
  });

  it("goes back to any allowed app URL, keeping its query, and to a CORS origin", async () => {
    const user = await passwordUser("link-back");
    const back = `${stack.appUrl}/profile?tab=connected`;
    const { landed } = await link(user.accessToken, uniqueEmail("link-back-idp"), back);
    expectLanded(landed, back, { linked: "local", tab: "connected" });
    expect(await identities(user.accessToken)).toHaveLength(1);
    const other = await passwordUser("link-cors");
    const started = await startLink(other.accessToken, { provider: "local", redirectUri: "https://app.example.com/settings" });
    expect(started.status, started.text).toBe(200);
  });

  it("the link's state is single-use: a replayed callback goes to the hosted page's invalid_state", async () => {
    const user = await passwordUser("link-replay");
    const { landed, trip } = await link(user.accessToken, uniqueEmail("link-replay-idp"));
    expectLanded(landed, profile, { linked: "local" });
    const again = await deliverCallback(trip.callback);
    expect(again.location?.href).toBe(`${stack.appUrl}/authorize?error=invalid_state`);
  });

  it("the provider's refusal (Cancel) comes back as ?error=access_denied&provider=local, nothing linked", async () => {
    const user = await passwordUser("link-cancel");
    const { landed } = await link(user.accessToken, uniqueEmail("link-cancel-idp"), profile, { cancel: true });
    expectLanded(landed, profile, { error: "access_denied", provider: "local" });
    expect(await identities(user.accessToken)).toEqual([]);
  });
});

describe("linking conflicts", () => {
  it("an identity that belongs to another user: ?error=identity_in_use, nothing changes for either", async () => {
    const owner = await passwordUser("owner");
    const other = await passwordUser("other");
    const atIdp = uniqueEmail("contested");
    expectLanded((await link(owner.accessToken, atIdp)).landed, profile, { linked: "local" });

    const { landed } = await link(other.accessToken, atIdp);
    expectLanded(landed, profile, { error: "identity_in_use", provider: "local" });
    expect(await identities(other.accessToken)).toEqual([]);
    expect(count(await events(other.accessToken), "identity_linked")).toBe(0);
    expect(await identities(owner.accessToken)).toEqual([{ provider: "local", email: atIdp, linkedAt: expect.any(String) }]);
    expect((await providerSignin(atIdp)).sub).toBe(owner.userId);
  });

  it("an identity a provider's sign-in created a user with is that user's: identity_in_use", async () => {
    const atIdp = uniqueEmail("taken-by-signup");
    const { sub } = await providerSignin(atIdp);
    const other = await passwordUser("late");
    expectLanded((await link(other.accessToken, atIdp)).landed, profile, { error: "identity_in_use", provider: "local" });
    expect(await identities(other.accessToken)).toEqual([]);
    expect((await providerSignin(atIdp)).sub).toBe(sub);
  });

  it("a second identity of a provider the user has one of: ?error=already_registered, the first one kept", async () => {
    const user = await passwordUser("second");
    const first = uniqueEmail("first-idp");
    expectLanded((await link(user.accessToken, first)).landed, profile, { linked: "local" });
    const { landed } = await link(user.accessToken, uniqueEmail("second-idp"));
    expectLanded(landed, profile, { error: "already_registered", provider: "local" });
    expect(await identities(user.accessToken)).toEqual([{ provider: "local", email: first, linkedAt: expect.any(String) }]);
  });
});

describe("the last way to sign in", () => {
  it("a user created by the provider (no password) cannot unlink its only identity: 409 last_sign_in_method; after a password reset it can", async () => {
    const email = uniqueEmail("only-idp");
    const { tokens, sub } = await providerSignin(email);
    const before = await api.get("/users/me", { token: tokens.access_token });
    expect(before.body.user).toMatchObject({ id: sub, hasPassword: false });

    expectError(await api.delete("/users/me/identities/local", undefined, { token: tokens.access_token }), 409, "last_sign_in_method");
    expect(await identities(tokens.access_token)).toEqual([{ provider: "local", email, linkedAt: expect.any(String) }]);
    expect(count(await events(tokens.access_token), "identity_unlinked")).toBe(0);

    // The reset email sets a password (the contract: such a user sets one that way).
    expect((await api.post("/auth/password/forgot", { email })).status).toBe(202);
    const token = linkToken((await mail.waitFor(email, /Reset your/))[0]!, stack.appUrl, "reset-password");
    const reset = await api.post("/auth/password/reset", { token, newPassword: NEW_PASSWORD });
    expect(reset.status, reset.text).toBe(204);
    const signin = await api.post("/auth/signin", { email, password: NEW_PASSWORD });
    expect(signin.status, signin.text).toBe(200);
    expect(signin.body.user).toMatchObject({ id: sub, hasPassword: true });

    const unlinked = await api.delete("/users/me/identities/local", undefined, { token: signin.body.accessToken });
    expect(unlinked.status, unlinked.text).toBe(204);
    expect(await identities(signin.body.accessToken)).toEqual([]);
    expect(count(await events(signin.body.accessToken), "identity_unlinked", "provider:local")).toBe(1);
  });
});

describe("what POST /users/me/identities and DELETE refuse", () => {
  it("no token: 401 on each route", async () => {
    expectError(await api.get("/users/me/identities"), 401, "unauthorized");
    expectError(await api.post("/users/me/identities", { provider: "local", redirectUri: profile }), 401, "unauthorized");
    expectError(await api.delete("/users/me/identities/local"), 401, "unauthorized");
  });

  it("a redirectUri outside the app's origins, or not a URL: 400 invalid_request", async () => {
    const user = await passwordUser("bad-return");
    const appHost = new URL(stack.appUrl);
    for (const redirectUri of [
      "https://evil.example.com/profile",
      `http://evil.example.com${appHost.pathname}`,
      `${stack.appUrl}.evil.example.com/profile`,
      `https://${appHost.host}/profile`, // the app's host on another scheme is another origin
      `http://localhost:${Number(appHost.port) + 1}/profile`,
      "javascript:alert(1)",
      "/profile",
      "not a url",
      "",
    ]) {
      expectError(await startLink(user.accessToken, { provider: "local", redirectUri }), 400, "invalid_request", redirectUri);
    }
    expect(await identities(user.accessToken)).toEqual([]);
  });

  it("an unknown provider: 400 on POST, 404 on DELETE; a malformed body: 400", async () => {
    const user = await passwordUser("bad-provider");
    expectError(await startLink(user.accessToken, { provider: "no-such-provider", redirectUri: profile }), 400, "invalid_request");
    expectError(await startLink(user.accessToken, { provider: "LOCAL", redirectUri: profile }), 400, "invalid_request");
    expectError(await api.delete("/users/me/identities/no-such-provider", undefined, { token: user.accessToken }), 404, "not_found");
    // A configured provider the user has no identity of.
    expectError(await api.delete("/users/me/identities/local", undefined, { token: user.accessToken }), 404, "not_found");
    for (const body of [{}, { provider: "local" }, { redirectUri: profile }, { provider: 1, redirectUri: profile }]) {
      expectError(await startLink(user.accessToken, body), 400, "invalid_request", JSON.stringify(body));
    }
  });

  it("a user with a second factor needs a multi-factor session to link (403 mfa_required), and may with one", async () => {
    const user = await passwordUser("link-mfa");
    const started = await api.post("/users/me/mfa/totp", undefined, { token: user.accessToken });
    expect(started.status, started.text).toBe(201);
    const { secret } = started.body as { secret: string };
    const confirmed = await api.post("/users/me/mfa/totp/confirm", { code: totpCodeAt(secret, Date.now()) }, { token: user.accessToken });
    expect(confirmed.status, confirmed.text).toBe(200);

    expectError(await startLink(user.accessToken, { provider: "local", redirectUri: profile }), 403, "mfa_required");
    const first = await api.post("/auth/signin", { email: user.email, password: PASSWORD });
    expectError(first, 403, "mfa_required");
    const verified = await api.post("/auth/mfa/verify", { mfaToken: first.body.mfaToken, factor: "totp", code: totpCodeAt(secret, Date.now() + STEP) });
    expect(verified.status, verified.text).toBe(200);
    const atIdp = `mfa-${randomUUID().slice(0, 8)}@example.com`;
    expectLanded((await link(verified.body.accessToken, atIdp)).landed, profile, { linked: "local" });
    expect(await identities(verified.body.accessToken)).toEqual([{ provider: "local", email: atIdp, linkedAt: expect.any(String) }]);
  });
});

describe("pre-hijacking", () => {
  it("a user whose email is not verified cannot link an identity (403 email_not_verified), so none outlives the owner's reset", async () => {
    const user = await passwordUser("squatter", { verified: false });
    expectError(await startLink(user.accessToken, { provider: "local", redirectUri: profile }), 403, "email_not_verified");
    expect(await identities(user.accessToken)).toEqual([]);
  });
});
