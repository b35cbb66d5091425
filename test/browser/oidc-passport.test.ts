// A relying party nobody here wrote, in a real Chromium against the real
// stack: an Express app with passport and openid-client's Strategy
// (`openid-client/passport`), express-session, and the /login, /callback,
// /profile, /logout routes of Auth0's "Build and Authenticate a Node.js App"
// tutorial pattern. It signs in through the hosted sign-in page of the
// example web app (inputs `Email`, `Password`, button `Sign in`; the contract's
// accessible names), signs in again by single sign-on with at most one click
// on `Continue`, is asked for the password again with prompt=login, and logs
// out (RP-initiated logout) ending the hosted page's session too.
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express from "express";
import session from "express-session";
import passport from "passport";
import * as oidcClient from "openid-client";
import { Strategy, type AuthenticateOptions, type VerifyFunction } from "openid-client/passport";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSuite } from "../helpers/browser.js";
import { oidc, type Account, type Oidc } from "../helpers/oidc.js";

const POLL = { timeout: 15_000 };
const CLIENT_NAME = "Passport Demo";

const suite = browserSuite();
const { problems } = suite;
let kit: Oidc;
let rp: { url: string; server: Server };

interface SignedInUser {
  claims: Record<string, unknown>;
  idToken: string;
  accessToken: string;
}

/**
 * The relying party: a confidential client (a server-side app keeps a secret),
 * discovered from the issuer, one passport Strategy named after the issuer's host.
 */
async function startRelyingParty(): Promise<{ url: string; server: Server }> {
  const app = express();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { client, clientSecret } = await kit.registerClient({
    name: CLIENT_NAME,
    type: "confidential",
    redirectUris: [`${url}/callback`],
    postLogoutRedirectUris: [`${url}/`],
  });

  const issuer = new URL(suite.stack.baseUrl);
  const config = await oidcClient.discovery(issuer, client.clientId, clientSecret, undefined, { execute: [oidcClient.allowInsecureRequests] });
  const verify: VerifyFunction = (tokens, verified) => {
    const user: SignedInUser = { claims: { ...tokens.claims() }, idToken: tokens.id_token!, accessToken: tokens.access_token };
    verified(null, user);
  };
  const strategy = new Strategy({ config, scope: "openid email profile", callbackURL: `${url}/callback` }, verify);
  const instance = new passport.Passport();
  instance.use(strategy);
  instance.serializeUser((user, done) => done(null, user));
  instance.deserializeUser((user: Express.User, done) => done(null, user));

  app.use(session({ secret: "passport-demo-secret", resave: false, saveUninitialized: false }));
  app.use(instance.session());
  app.get("/", (req, res) => void res.type("html").send(`<!doctype html><title>Home</title><p id="home">${req.user ? "signed in" : "signed out"}</p>`));
  app.get("/login", instance.authenticate(strategy.name));
  // The same, asking the provider for credentials whatever session it holds.
  app.get("/login-again", instance.authenticate(strategy.name, { prompt: "login" } satisfies AuthenticateOptions));
  app.get("/callback", instance.authenticate(strategy.name, { successRedirect: "/profile", failureRedirect: "/login-failed" }));
  app.get("/login-failed", (_req, res) => void res.status(401).type("html").send(`<!doctype html><title>Failed</title><p id="failed">sign-in failed</p>`));
  app.get("/profile", (req, res) => {
    if (!req.user) return void res.redirect("/login");
    const user = req.user as SignedInUser;
    res.type("html").send(`<!doctype html><title>Profile</title><pre id="profile">${escapeHtml(JSON.stringify(user.claims))}</pre>`);
  });
  app.get("/logout", (req, res, next) => {
    const user = req.user as SignedInUser | undefined;
    req.logout((error) => {
      if (error) return next(error);
      const endSession = oidcClient.buildEndSessionUrl(config, {
        post_logout_redirect_uri: `${url}/`,
        ...(user && { id_token_hint: user.idToken }),
      });
      res.redirect(endSession.href);
    });
  });
  return { url, server };
}

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

beforeAll(async () => {
  kit = oidc(suite.stack);
  rp = await startRelyingParty();
});

afterAll(() => {
  rp?.server.close();
});

async function profileClaims(page: Page): Promise<Record<string, unknown>> {
  await page.waitForURL(`${rp.url}/profile`, POLL);
  return JSON.parse((await page.locator("#profile").textContent()) ?? "{}");
}

/**
 * Single sign-on: the hosted page completes the authorization with at most one click
 * on `Continue` (none, if it goes on by itself), and asks for no password.
 */
async function continueIfAsked(page: Page): Promise<void> {
  const onProfile = () => page.url().startsWith(`${rp.url}/profile`);
  const continueButton = page.getByRole("button", { name: "Continue", exact: true });
  await expect.poll(async () => onProfile() || (await continueButton.count()) > 0, POLL).toBe(true);
  if (!onProfile()) {
    expect(await page.getByLabel("Password").count()).toBe(0);
    await continueButton.click();
  }
}

/** At the hosted page: it names the client, then takes email and password. */
async function signInAtHostedPage(page: Page, account: Account): Promise<void> {
  await page.waitForURL(`${suite.stack.appUrl}/authorize?**`, POLL);
  await expect.poll(() => page.getByText(`Sign in to ${CLIENT_NAME}`).count(), POLL).toBeGreaterThan(0);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

describe("a passport app (openid-client Strategy) signing in through the hosted page", { timeout: 120_000 }, () => {
  it("signs in with a password, then again by single sign-on with one click on Continue; prompt=login asks again", async () => {
    const account = await kit.signup("passport");
    const page = await (await suite.newContext()).newPage();

    await page.goto(`${rp.url}/login`);
    await signInAtHostedPage(page, account);
    const claims = await profileClaims(page);
    expect(claims).toMatchObject({ iss: suite.stack.baseUrl, sub: account.userId, email: account.email, name: account.name, preferred_username: account.username });
    expect(typeof claims.sid).toBe("string");

    // A new sign-in at the relying party (its own session gone): the hosted page knows the browser.
    await page.context().clearCookies({ domain: "127.0.0.1" });
    await page.goto(`${rp.url}/login`);
    await continueIfAsked(page);
    const again = await profileClaims(page);
    expect(again.sub).toBe(account.userId);
    expect(again.sid).not.toBe(claims.sid);

    // prompt=login: credentials, even though the hosted page holds a session.
    await page.goto(`${rp.url}/login-again`);
    await page.waitForURL(`${suite.stack.appUrl}/authorize?**`, POLL);
    await expect.poll(() => page.getByLabel("Password").count(), POLL).toBe(1);
    expect(await page.getByRole("button", { name: "Continue", exact: true }).count()).toBe(0);
    await signInAtHostedPage(page, account);
    const third = await profileClaims(page);
    expect(third.sub).toBe(account.userId);
    expect(third.auth_time as number).toBeGreaterThanOrEqual(claims.auth_time as number);
    expect(problems).toEqual([]);
  });

  it("a wrong password stays on the hosted page; logging out at the relying party ends the hosted page's session too", async () => {
    const account = await kit.signup("passport");
    const page = await (await suite.newContext()).newPage();
    await page.goto(`${rp.url}/login`);
    const refused = page.waitForResponse((response) => response.url() === `${suite.stack.baseUrl}/auth/signin` && response.request().method() === "POST");
    await signInAtHostedPage(page, { ...account, password: "not the password at all" });
    expect((await refused).status()).toBe(401);
    expect(page.url().startsWith(`${suite.stack.appUrl}/authorize`)).toBe(true);
    await page.getByLabel("Password").fill(account.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const claims = await profileClaims(page);
    expect(claims.sub).toBe(account.userId);

    await page.goto(`${rp.url}/logout`);
    await page.waitForURL(`${rp.url}/`, POLL);
    expect(await page.locator("#home").textContent()).toBe("signed out");

    // Signed out at the provider as well: the next sign-in asks for the password, not for a click.
    await page.goto(`${rp.url}/login`);
    await page.waitForURL(`${suite.stack.appUrl}/authorize?**`, POLL);
    await expect.poll(() => page.getByLabel("Password").count(), POLL).toBe(1);
    expect(await page.getByRole("button", { name: "Continue", exact: true }).count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
