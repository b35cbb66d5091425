// Outside identity providers in a real Chromium against the real local stack
// and its local test provider (scripts/local-idp.mjs: "Local test provider",
// an email and "Continue", the email reported verified):
// - a new user clicks "Continue with Local test provider" on the app's own
//   sign-in page, enters an email at the provider and lands signed in on the
//   profile (no password: said so; the identity listed; the last way in
//   cannot be unlinked);
// - the hosted page's button for another app (a relying party simulated by
//   the test with openid-client), and the second factor after the provider
//   (#mfaToken in the fragment: taken out of the address bar, then Code and
//   Verify, and the request completed);
// - the provider's answer replayed (invalid_state) and an account-rules
//   refusal (account_exists), said in words with their codes, on the hosted
//   page and at /callback;
// - Connected accounts on the profile: a password user connects the provider
//   and unlinks it; an identity that is another user's (identity_in_use).
// Any page error or unexpected console error fails the test; a failed test
// leaves screenshots in test-results/.
import * as oidcClient from "openid-client";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { authenticatorApp } from "../helpers/authenticator-app.js";
import { answerAsRelyingParty, browserSuite } from "../helpers/browser.js";
import { uniqueEmail } from "../helpers/fixtures.js";
import { linkToken, mailbox } from "../helpers/mailbox.js";
import { oidc, type Account, type Oidc } from "../helpers/oidc.js";

// The machine may be loaded: what the page shows may take a while.
const POLL = { timeout: 30_000 };
const PROVIDER = "Local test provider";
const RP_NAME = "Provider Test App";
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
  await answerAsRelyingParty(context, RP_CALLBACK);
  return context.newPage();
}

const appOrigin = () => new URL(suite.stack.appUrl).origin;

/**
 * Forgets the browser's session at the local provider (its cookies; the app
 * keeps none), so that the next visit there asks for an email again instead
 * of answering for the account signed in before.
 */
const forgetProviderSession = (page: Page) => page.context().clearCookies();

/** At the local provider's sign-in page (another origin than the app's), an email and "Continue". */
async function signInAtProvider(page: Page, email: string): Promise<void> {
  await page.waitForURL((url) => url.origin !== appOrigin() && url.pathname.startsWith("/interaction/"), POLL);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Continue", exact: true }).click();
}

/** The app's stored session and its access token's claims. */
async function appSession(page: Page): Promise<{ email: string; accessToken: string; claims: Record<string, unknown> } | null> {
  const session = (await page.evaluate(`JSON.parse(localStorage.getItem("auth-session"))`)) as { accessToken: string; user: { email: string } } | null;
  if (!session) return null;
  const claims = JSON.parse(Buffer.from(session.accessToken.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
  return { email: session.user.email, accessToken: session.accessToken, claims };
}

/** Signs in at the web app's own sign-in page with a password. */
async function signInAtApp(page: Page, account: Account): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Email or username").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL("**/profile", POLL);
  await expect.poll(() => page.locator("#profile-email").textContent(), POLL).toBe(account.email);
}

/** "Continue with Local test provider" on the app's sign-in page, through the provider, to the profile. */
async function signInWithProvider(page: Page, email: string): Promise<void> {
  await page.goto("/signin");
  await page.getByRole("button", { name: `Continue with ${PROVIDER}`, exact: true }).click();
  await signInAtProvider(page, email);
  await page.waitForURL("**/profile", POLL);
  await expect.poll(() => page.locator("#profile-email").textContent(), POLL).toBe(email);
}

/** The relying party starts a sign-in: the browser lands on the hosted page; `finish` takes the code at the redirect URI. */
async function startSignin(page: Page) {
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
  });
  await page.goto(url.href);
  await page.waitForURL((at) => at.href.startsWith(`${suite.stack.appUrl}/authorize?request=`), POLL);
  await page.getByRole("heading", { name: `Sign in to ${RP_NAME}` }).waitFor(POLL);
  return {
    async finish(): Promise<oidcClient.IDToken> {
      await page.waitForURL((at) => `${at.origin}${at.pathname}` === RP_CALLBACK, POLL);
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

/** Verifies the account's email through the emailed link's token (the API links identities only to verified accounts). */
async function verifyEmail(account: Account): Promise<void> {
  const [sent] = await mailbox(suite.stack.mailUrl).waitFor(account.email, /Confirm your email/);
  const verified = await kit.call("POST", "/auth/email/verify", { json: { token: linkToken(sent!, suite.stack.appUrl, "verify-email") } });
  expect(verified.status, verified.text).toBeLessThan(300);
}

const rowOf = (page: Page, name: string) => page.locator("#identity-table tbody tr").filter({ hasText: name });

describe("outside identity providers in the web app, in Chromium", { timeout: 180_000 }, () => {
  it("a new user: Continue with Local test provider on the sign-in page, an email at the provider, and signed in on the profile", async () => {
    const email = uniqueEmail("provider-new");
    const page = await newPage();
    await page.goto("/signin");
    const button = page.getByRole("button", { name: `Continue with ${PROVIDER}`, exact: true });
    await button.waitFor(POLL);
    const authorize = page.waitForRequest((request) => new URL(request.url()).pathname === "/oauth2/authorize");
    await button.click();
    const asked = new URL((await authorize).url()).searchParams;
    expect(asked.get("provider")).toBe("local");
    expect(asked.get("client_id")).toBe("web");
    expect(asked.get("redirect_uri")).toBe(`${suite.stack.appUrl}/callback`);
    await signInAtProvider(page, email);
    await page.waitForURL("**/profile", POLL);
    await expect.poll(() => page.locator("#profile-email").textContent(), POLL).toBe(email);

    // Signed in as the client `web`, through the provider; the email verified by it; no password.
    const session = await appSession(page);
    expect(session?.claims).toMatchObject({ client_id: "web", amr: ["fed"] });
    expect(await page.locator("#profile-verified").textContent()).toBe("yes");
    expect(await page.locator("#profile-password").textContent()).toMatch(/^None/);
    expect(await page.getByRole("button", { name: "Email me a link to set a password" }).isVisible()).toBe(true);
    expect(await page.locator("#resend-form").isHidden()).toBe(true);

    // Connected accounts: the provider, its email, no Connect for it; Unlink is refused (the only way in), said clearly.
    await expect.poll(() => rowOf(page, PROVIDER).count(), POLL).toBe(1);
    expect(await rowOf(page, PROVIDER).textContent()).toContain(email);
    expect(await page.getByRole("button", { name: `Connect ${PROVIDER}` }).count()).toBe(0);
    await page.getByRole("button", { name: `Unlink ${PROVIDER}` }).click();
    await expect.poll(() => page.locator("#identities-error").textContent(), POLL).toContain("last_sign_in_method");
    expect(await page.locator("#identities-error").textContent()).toContain("only way to sign in");
    expect(await page.locator("#identities-error").getAttribute("role")).toBe("alert");
    expect(await rowOf(page, PROVIDER).count()).toBe(1);

    // On another device, the same provider account signs in to the same user again.
    const other = await newPage();
    await signInWithProvider(other, email);
    expect((await appSession(other))?.claims.sub).toBe(session!.claims.sub);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("the hosted page: Continue with Local test provider signs another app's user in, back at the app with a code", async () => {
    const email = uniqueEmail("provider-hosted");
    const page = await newPage();
    const signin = await startSignin(page);
    await page.getByRole("button", { name: `Continue with ${PROVIDER}`, exact: true }).click();
    await signInAtProvider(page, email);
    const claims = await signin.finish();
    expect(claims).toMatchObject({ email, email_verified: true, amr: ["fed"] });
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("the hosted page: a user with an authenticator app answers the second step after the provider (the token leaves the address bar)", async () => {
    // A user made by the provider (no password) sets up an authenticator app.
    const email = uniqueEmail("provider-mfa");
    const page = await newPage();
    await signInWithProvider(page, email);
    const { accessToken, claims: first } = (await appSession(page))!;
    const enrollment = await kit.call("POST", "/users/me/mfa/totp", { token: accessToken });
    expect(enrollment.status, enrollment.text).toBe(201);
    const app = authenticatorApp(enrollment.body.secret);
    const confirmed = await kit.call("POST", "/users/me/mfa/totp/confirm", { token: accessToken, json: { code: await app.freshCode() } });
    expect(confirmed.status, confirmed.text).toBe(200);
    await page.evaluate("localStorage.clear()");
    await forgetProviderSession(page);

    const signin = await startSignin(page);
    const back = page.waitForURL((url) => url.origin === appOrigin() && url.pathname === "/authorize" && url.hash.includes("mfaToken="), POLL);
    await page.getByRole("button", { name: `Continue with ${PROVIDER}`, exact: true }).click();
    await signInAtProvider(page, email);
    await back;
    await page.getByRole("button", { name: "Verify" }).waitFor(POLL);
    expect(new URL(page.url()).hash).toBe("");
    expect(new URL(page.url()).searchParams.get("request")).toBeTruthy();
    expect(await page.evaluate("document.activeElement?.id")).toBe("mfa-code");
    expect(await page.getByRole("button", { name: "Use a recovery code instead" }).isVisible()).toBe(true);
    await page.getByLabel("Code", { exact: true }).fill(await app.freshCode());
    await page.getByRole("button", { name: "Verify" }).click();
    const claims = await signin.finish();
    expect(claims.sub).toBe(first.sub);
    expect(claims.amr).toEqual(expect.arrayContaining(["otp", "mfa"]));
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("a provider answer used twice: the hosted page says invalid_state in words", async () => {
    const page = await newPage();
    let callback: string | undefined;
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/auth/providers/local/callback") callback ??= request.url();
    });
    const signin = await startSignin(page);
    await page.getByRole("button", { name: `Continue with ${PROVIDER}`, exact: true }).click();
    await signInAtProvider(page, uniqueEmail("provider-replay"));
    await signin.finish();
    expect(callback, "the provider's redirect to the API's callback").toBeTruthy();

    await page.goto(callback!);
    await page.getByRole("heading", { name: "Sign-in failed" }).waitFor(POLL);
    expect(new URL(page.url()).searchParams.get("error")).toBe("invalid_state");
    const alert = page.locator("#request-error");
    expect(await alert.getAttribute("role")).toBe("alert");
    expect(await alert.textContent()).toContain("invalid_state");
    expect(await alert.textContent()).toContain("sign in again");
    expect(await page.evaluate("document.activeElement?.id")).toBe("heading");
    expect(await page.getByLabel("Password").count()).toBe(0);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("an account whose email is not verified is not taken over: /callback says account_exists in words", async () => {
    const account = await kit.signup("provider-exists");
    const page = await newPage();
    await page.goto("/signin");
    await page.getByRole("button", { name: `Continue with ${PROVIDER}`, exact: true }).click();
    await signInAtProvider(page, account.email);
    await page.getByRole("heading", { name: "Sign-in failed" }).waitFor(POLL);
    expect(new URL(page.url()).pathname).toBe("/callback");
    expect(new URL(page.url()).search).toBe("");
    const message = await page.locator("#callback-error").textContent();
    expect(message).toContain("already exists");
    expect(message).toContain("account_exists");
    expect(await page.getByRole("link", { name: "Sign in again" }).isVisible()).toBe(true);
    expect(await appSession(page)).toBeNull();
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("Connected accounts: a password user connects the provider and unlinks it; another user's identity is refused (identity_in_use)", async () => {
    const account = await kit.signup("provider-link");
    const providerEmail = uniqueEmail("provider-link-idp");
    const page = await newPage();
    // An account whose email is not verified is told to verify it first: no Connect button.
    await signInAtApp(page, account);
    await page.getByRole("heading", { name: "Connected accounts" }).waitFor(POLL);
    await expect.poll(() => page.locator("#identities-status").textContent(), POLL).toBe("No accounts are connected.");
    expect(await page.locator("#profile-password").textContent()).toMatch(/^Set/);
    expect(await page.locator("#connect-needs-verified").isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: `Connect ${PROVIDER}` }).count()).toBe(0);

    await verifyEmail(account);
    await page.reload();
    await page.getByRole("button", { name: `Connect ${PROVIDER}` }).waitFor(POLL);
    expect(await page.locator("#connect-needs-verified").isHidden()).toBe(true);

    const start = page.waitForRequest((request) => new URL(request.url()).pathname === "/users/me/identities" && request.method() === "POST");
    await page.getByRole("button", { name: `Connect ${PROVIDER}` }).click();
    expect((await start).postDataJSON()).toEqual({ provider: "local", redirectUri: `${suite.stack.appUrl}/profile` });
    await signInAtProvider(page, providerEmail);
    // Back at /profile?linked=local: said, and the address bar cleaned.
    await page.waitForURL(`${suite.stack.appUrl}/profile`, POLL);
    await expect.poll(() => page.locator("#identities-status").textContent(), POLL).toContain(`${PROVIDER} is connected`);
    expect(await rowOf(page, PROVIDER).textContent()).toContain(providerEmail);
    expect(await page.getByRole("button", { name: `Connect ${PROVIDER}` }).count()).toBe(0);
    const listed = await kit.call("GET", "/users/me/identities", { token: account.accessToken });
    expect(listed.body?.identities).toEqual([expect.objectContaining({ provider: "local", email: providerEmail })]);

    await page.getByRole("button", { name: `Unlink ${PROVIDER}` }).click();
    await expect.poll(() => page.locator("#identities-status").textContent(), POLL).toBe(`${PROVIDER} is unlinked. No accounts are connected.`);
    expect(await rowOf(page, PROVIDER).count()).toBe(0);
    expect(await page.getByRole("button", { name: `Connect ${PROVIDER}` }).isVisible()).toBe(true);
    expect(await page.evaluate("document.activeElement?.id")).toBe("identities-heading");

    // The provider account of a user made by the provider cannot be connected to this one.
    const other = uniqueEmail("provider-link-taken");
    const second = await newPage();
    await signInWithProvider(second, other);
    await forgetProviderSession(page);
    await page.getByRole("button", { name: `Connect ${PROVIDER}` }).click();
    await signInAtProvider(page, other);
    await page.waitForURL(`${suite.stack.appUrl}/profile`, POLL);
    await expect.poll(() => page.locator("#identities-error").textContent(), POLL).toContain("identity_in_use");
    expect(await page.locator("#identities-error").textContent()).toContain("already connected to another user");
    expect(await rowOf(page, PROVIDER).count()).toBe(0);
    expect(problems, problems.join("\n")).toEqual([]);
  });
});
