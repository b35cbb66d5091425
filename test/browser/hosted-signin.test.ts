// The hosted sign-in page (<APP_URL>/authorize?request=<id>) in a real
// Chromium against the real local stack. A relying party simulated by the
// test, with openid-client (authorization URL with PKCE S256, state and
// nonce; the code exchange with every check of that library), registered
// through the admin API; the browser's visit to its redirect URI is answered
// by the test, which reads the code there. Signing in with a password, by
// single sign-on (one click on Continue, no password), prompt=login,
// login_hint, the second factor, a passkey (the DevTools Protocol's virtual
// authenticator), Cancel, an unknown request; and the example app itself as
// the OpenID client `web` (signInWithRedirect, /callback). Any page error or
// unexpected console error fails the test; a failed test leaves screenshots
// in test-results/.
import * as oidcClient from "openid-client";
import type { CDPSession, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { authenticatorApp } from "../helpers/authenticator-app.js";
import { answerAsRelyingParty, browserSuite, COUNT_PASSKEY_REQUESTS } from "../helpers/browser.js";
import { oidc, type Account, type Oidc } from "../helpers/oidc.js";

// The machine may be loaded: what the page shows may take a while.
const POLL = { timeout: 30_000 };
const RP_NAME = "Hosted Page Test App";
const RP_CALLBACK = "https://rp.example.com/callback";

const suite = browserSuite();
const { problems } = suite;
let kit: Oidc;
let rp: oidcClient.Configuration;

beforeAll(async () => {
  kit = oidc(suite.stack);
  const { client } = await kit.registerClient({ name: RP_NAME, type: "public", redirectUris: [RP_CALLBACK] });
  rp = await kit.relyingParty(client.clientId);
});

/** A browser profile whose visits to the relying party the test answers (it takes the code from the URL). */
async function newPage(): Promise<Page> {
  const context = await suite.newContext();
  await context.addInitScript({ content: COUNT_PASSKEY_REQUESTS });
  await answerAsRelyingParty(context, RP_CALLBACK);
  return context.newPage();
}

const atRedirectUri = (url: URL) => `${url.origin}${url.pathname}` === RP_CALLBACK;

/**
 * The relying party starts a sign-in: the browser goes to the authorization
 * URL and lands on the hosted page, which names the client. `finish` waits
 * for the browser at the redirect URI and exchanges the code there,
 * answering the ID token's claims.
 */
async function startSignin(page: Page, extra: Record<string, string> = {}) {
  const verifier = oidcClient.randomPKCECodeVerifier();
  const state = oidcClient.randomState();
  const nonce = oidcClient.randomNonce();
  const url = oidcClient.buildAuthorizationUrl(rp, {
    redirect_uri: RP_CALLBACK,
    scope: "openid email profile",
    code_challenge: await oidcClient.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    ...extra,
  });
  await page.goto(url.href);
  await page.waitForURL((at) => at.href.startsWith(`${suite.stack.appUrl}/authorize?request=`), POLL);
  await page.getByRole("heading", { name: `Sign in to ${RP_NAME}` }).waitFor(POLL);
  return {
    state,
    async finish(): Promise<oidcClient.IDToken> {
      await page.waitForURL(atRedirectUri, POLL);
      const tokens = await oidcClient.authorizationCodeGrant(rp, new URL(page.url()), {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      return tokens.claims()!;
    },
  };
}

async function submitPassword(page: Page, account: Account): Promise<void> {
  await page.getByLabel("Email", { exact: true }).fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Signs in at the web app's own sign-in page (the JSON routes). */
async function signInAtApp(page: Page, account: Account): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Email or username").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL("**/profile", POLL);
}

/** The app's stored session and its access token's claims. */
async function appSession(page: Page): Promise<{ email: string; claims: Record<string, unknown> } | null> {
  const session = (await page.evaluate(`JSON.parse(localStorage.getItem("auth-session"))`)) as { accessToken: string; user: { email: string } } | null;
  if (!session) return null;
  return { email: session.user.email, claims: JSON.parse(Buffer.from(session.accessToken.split(".")[1]!, "base64url").toString("utf8")) };
}

const focusedId = (page: Page) => page.evaluate("document.activeElement?.id");

describe("the hosted sign-in page, in Chromium", { timeout: 180_000 }, () => {
  it("names the client, takes email and password, and sends the browser to the client with a code; the app is signed in too", async () => {
    const account = await kit.signup("hosted");
    const page = await newPage();
    const signin = await startSignin(page);
    expect(await focusedId(page)).toBe("heading");
    expect(await page.getByLabel("Email", { exact: true }).inputValue()).toBe("");
    expect(await page.getByRole("button", { name: "Continue", exact: true }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Sign in with a passkey" }).isVisible()).toBe(true);

    await submitPassword(page, account);
    const claims = await signin.finish();
    expect(claims).toMatchObject({ iss: suite.stack.baseUrl, sub: account.userId, email: account.email, name: account.name, amr: ["pwd"] });
    // The hosted page's session is the app's own (the JSON routes').
    await page.goto("/profile");
    expect(await appSession(page)).toMatchObject({ email: account.email, claims: { sub: account.userId } });
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("a wrong password is told on the page, which stays", async () => {
    const account = await kit.signup("hosted");
    const page = await newPage();
    const signin = await startSignin(page);
    await submitPassword(page, { ...account, password: "not the password at all" });
    await expect.poll(() => page.locator("#signin-error").textContent(), POLL).not.toBe("");
    await submitPassword(page, account);
    expect((await signin.finish()).sub).toBe(account.userId);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("single sign-on: signed in at the web app, the client's sign-in takes one click on Continue and no password", async () => {
    const account = await kit.signup("hosted");
    const page = await newPage();
    await signInAtApp(page, account);
    const signin = await startSignin(page);
    expect(await page.getByText(`You are signed in as ${account.email}.`).isVisible()).toBe(true);
    expect(await page.getByLabel("Password").count()).toBe(0);
    expect(await focusedId(page)).toBe("heading");
    await page.getByRole("button", { name: "Continue", exact: true }).click();
    const claims = await signin.finish();
    expect(claims).toMatchObject({ sub: account.userId, email: account.email, amr: ["pwd"] });
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("a session that was ended elsewhere offers no Continue: the form asks for the password", async () => {
    const account = await kit.signup("hosted");
    const page = await newPage();
    await signInAtApp(page, account);
    const stored = (await page.evaluate(`JSON.parse(localStorage.getItem("auth-session"))`)) as { accessToken: string };
    const ended = await kit.call("POST", "/auth/signout", { token: stored.accessToken, json: {} });
    expect(ended.status, ended.text).toBe(204);
    const signin = await startSignin(page);
    await page.getByLabel("Password").waitFor(POLL);
    expect(await page.getByRole("button", { name: "Continue", exact: true }).count()).toBe(0);
    await submitPassword(page, account);
    expect((await signin.finish()).sub).toBe(account.userId);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("prompt=login asks for the password even when signed in", async () => {
    const account = await kit.signup("hosted");
    const page = await newPage();
    await signInAtApp(page, account);
    const asked = Math.floor(Date.now() / 1000);
    const signin = await startSignin(page, { prompt: "login" });
    await page.getByLabel("Password").waitFor(POLL);
    expect(await page.getByRole("button", { name: "Continue", exact: true }).count()).toBe(0);
    await submitPassword(page, account);
    const claims = await signin.finish();
    expect(claims.sub).toBe(account.userId);
    expect(claims.auth_time).toBeGreaterThanOrEqual(asked - 1);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("login_hint pre-fills the email", async () => {
    const account = await kit.signup("hosted");
    const page = await newPage();
    const signin = await startSignin(page, { login_hint: account.email });
    expect(await page.getByLabel("Email", { exact: true }).inputValue()).toBe(account.email);
    await page.getByLabel("Password").fill(account.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    expect((await signin.finish()).sub).toBe(account.userId);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("a user with an authenticator app answers the second step on the hosted page (Code, Verify)", async () => {
    const account = await kit.signup("hosted-mfa");
    const enrollment = await kit.call("POST", "/users/me/mfa/totp", { token: account.accessToken });
    expect(enrollment.status, enrollment.text).toBe(201);
    const app = authenticatorApp(enrollment.body.secret);
    const confirmed = await kit.call("POST", "/users/me/mfa/totp/confirm", { token: account.accessToken, json: { code: await app.freshCode() } });
    expect(confirmed.status, confirmed.text).toBe(200);

    const page = await newPage();
    const signin = await startSignin(page);
    await submitPassword(page, account);
    await page.getByRole("button", { name: "Verify" }).waitFor(POLL);
    expect(page.url()).toMatch(/\/authorize\?request=/);
    await page.getByLabel("Code", { exact: true }).fill(await app.freshCode());
    await page.getByRole("button", { name: "Verify" }).click();
    const claims = await signin.finish();
    expect(claims.sub).toBe(account.userId);
    expect(claims.amr).toEqual(expect.arrayContaining(["pwd", "otp", "mfa"]));
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("a passkey signs in on the hosted page, with no password (a multi-factor session)", async () => {
    const page = await newPage();
    const authenticator = await addAuthenticator(page);
    const email = `hosted-passkey-${Date.now()}@example.com`;
    await page.goto("/signup");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("amber kettle meadow 17");
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.waitForURL("**/profile", POLL);
    await page.goto("/security");
    await expect.poll(() => page.locator("#passkeys-status").textContent(), POLL).toMatch(/passkey/);
    const added = page.waitForResponse((response) => new URL(response.url()).pathname === "/users/me/passkeys" && response.request().method() === "POST");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    expect((await added).status()).toBe(201);
    const { sub } = (await appSession(page))!.claims;
    await page.evaluate(`localStorage.clear()`);

    // The form's passkey autofill waits for a user who picks nothing; the button's ceremony then replaces it.
    await authenticator.presence(false);
    const signin = await startSignin(page);
    await expect.poll(() => page.evaluate("window.__passkeyRequests"), POLL).toBeGreaterThan(0);
    await authenticator.presence(true);
    const verified = page.waitForResponse((response) => new URL(response.url()).pathname === "/auth/passkeys/verify");
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    expect((await verified).status()).toBe(200);
    const claims = await signin.finish();
    expect(claims.sub).toBe(sub);
    expect([...(claims.amr as string[])].sort()).toEqual(["hwk", "mfa"]);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("Cancel sends the browser back to the client with error=access_denied and its state, and no code", async () => {
    const page = await newPage();
    const signin = await startSignin(page);
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.waitForURL(atRedirectUri, POLL);
    const answer = new URL(page.url()).searchParams;
    expect(answer.get("error")).toBe("access_denied");
    expect(answer.get("state")).toBe(signin.state);
    expect(answer.has("code")).toBe(false);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("an unknown, expired or finished request: a clear message, no form", async () => {
    const page = await newPage();
    for (const path of ["/authorize?request=unknown-request-0123456789", "/authorize"]) {
      await page.goto(path);
      await page.getByRole("heading", { name: "This sign-in has expired" }).waitFor(POLL);
      expect(await page.getByRole("alert").filter({ hasText: "Go back to the app you came from" }).count()).toBe(1);
      expect(await page.getByLabel("Password").count()).toBe(0);
      expect(await page.getByRole("button", { name: "Cancel" }).count()).toBe(0);
      expect(await focusedId(page)).toBe("heading");
    }
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("the web app signs in as the OpenID client `web`: signInWithRedirect, the hosted page, then /callback exchanges the code", async () => {
    const account = await kit.signup("hosted-web");
    const page = await newPage();
    await page.goto("/signin");
    await page.getByRole("button", { name: "Sign in on the hosted page" }).click();
    await page.waitForURL((at) => at.href.startsWith(`${suite.stack.appUrl}/authorize?request=`), POLL);
    const exchanged = page.waitForResponse((response) => new URL(response.url()).pathname === "/oauth2/token");
    await page.getByRole("heading", { name: "Sign in to Example web app" }).waitFor(POLL);
    await submitPassword(page, account);
    expect((await exchanged).status()).toBe(200);
    await page.waitForURL("**/profile", POLL);
    await expect.poll(() => page.locator("#profile-email").textContent(), POLL).toBe(account.email);
    // The app's session is now the code exchange's: the client `web`'s tokens, with their scope.
    const session = await appSession(page);
    expect(session?.claims).toMatchObject({ sub: account.userId, client_id: "web", scope: expect.stringContaining("openid") });
    expect(await page.evaluate("sessionStorage.length")).toBe(0);

    // It refreshes at /auth/refresh like any session of the app (made to look expired here), keeping the client's claims...
    await page.evaluate(`(() => {
      const session = JSON.parse(localStorage.getItem("auth-session"));
      localStorage.setItem("auth-session", JSON.stringify({ ...session, expiresAt: Date.now() - 1000 }));
    })()`);
    const refreshed = page.waitForResponse((response) => new URL(response.url()).pathname === "/auth/refresh");
    await page.goto("/profile");
    expect((await refreshed).status()).toBe(200);
    await expect.poll(() => page.locator("#profile-email").textContent(), POLL).toBe(account.email);
    expect((await appSession(page))?.claims).toMatchObject({ client_id: "web", sid: session?.claims.sid });
    // ...and ends at /auth/signout.
    await page.goto("/sessions");
    await page.getByRole("button", { name: "Sign out this device" }).click();
    await page.waitForURL("**/signin", POLL);
    expect(await appSession(page)).toBeNull();
    expect(problems, problems.join("\n")).toEqual([]);
  });
});

interface Authenticator {
  /** Turns the simulated user presence on or off (off: a ceremony waits, as for a user who does nothing). */
  presence(enabled: boolean): Promise<void>;
}

/** The page's virtual authenticator, as in passkeys.test.ts: a platform authenticator with resident keys whose user verifies. */
async function addAuthenticator(page: Page): Promise<Authenticator> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { presence: async (enabled) => void (await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled })) };
}
