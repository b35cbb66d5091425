// The example web app in a real Chromium against the real local stack: sign
// up, verify the email through the emailed link, sign in, read the protected
// message; two tabs refreshing at once; signing out another device; a password
// reset through the emailed link. Any page error or unexpected console error
// fails the test; a failed test leaves screenshots in test-results/.
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserSuite } from "../helpers/browser.js";
import { linkToken, mailbox } from "../helpers/mailbox.js";

// Short enough that tests see refreshes happen (the client refreshes in the last quarter: after 6 s).
const ACCESS_TOKEN_TTL_SECONDS = 8;
const PASSWORD = "violet tractor lantern 42";
// The machine may be loaded: what the page shows may take a while.
const POLL = { timeout: 10_000 };
const SESSION_ENDED = "Your session was ended on another device, or it expired. Please sign in again.";

const suite = browserSuite({ env: { ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS) } });
const { problems } = suite;
let users = 0;

/** A browser profile (a device); `device` is appended to its User-Agent, which the session list shows. */
async function newContext(device = ""): Promise<BrowserContext> {
  const userAgent = `Mozilla/5.0 (X11; Linux x86_64) Chromium/${suite.browser.version()} ${device}`.trim();
  return suite.newContext({ userAgent });
}

function newEmail(): string {
  users += 1;
  return `browser-${users}-${Date.now()}@example.com`;
}

/** An account made over the API (the browser flows under test start from it). */
async function signUpOverApi(email: string): Promise<void> {
  const response = await fetch(`${suite.stack.baseUrl}/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(response.status).toBe(201);
}

async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Email or username").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL("**/profile");
  await expect.poll(() => page.locator("#profile-email").textContent(), POLL).toBe(email);
}

/** The messages page's answers, once all four are in: "<status> <text>" per message. */
async function messageAnswers(page: Page): Promise<Record<string, string>> {
  await page.locator("body[data-loaded=true]").waitFor();
  const answers: Record<string, string> = {};
  for (const name of ["public", "protected", "moderator", "admin"]) {
    const row = page.locator(`#message-${name}`);
    answers[name] = `${await row.locator(".status").textContent()} ${await row.locator(".text").textContent()}`;
  }
  return answers;
}

/** The link to `page` in the newest email to `address` that has one, as the user would click it. */
async function emailedLink(address: string, page: "verify-email" | "reset-password"): Promise<string> {
  const box = mailbox(suite.stack.mailUrl);
  const withLink = async () => (await box.to(address)).filter((email) => email.body.text?.includes(`${suite.stack.appUrl}/${page}#token=`));
  await expect.poll(async () => (await withLink()).length, { timeout: 20_000 }).toBeGreaterThan(0);
  const emails = await withLink();
  return `${suite.stack.appUrl}/${page}#token=${linkToken(emails[emails.length - 1]!, suite.stack.appUrl, page)}`;
}

function storedSession(page: Page): Promise<{ accessToken: string; refreshToken: string; expiresAt: number } | null> {
  return page.evaluate(`JSON.parse(localStorage.getItem("auth-session"))`);
}

describe("the example web app in Chromium", { timeout: 90_000 }, () => {
  it("serves its pages with a CSP that allows no inline script", async () => {
    const response = await fetch(`${suite.stack.appUrl}/signin`);
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain(`connect-src 'self' ${suite.stack.baseUrl}`);
    expect(await response.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it("a new user signs up, verifies the email through the emailed link, signs in again and reads the protected message", async () => {
    const email = newEmail();
    const page = await (await newContext()).newPage();

    await page.goto("/signup");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.waitForURL("**/profile");
    await expect.poll(() => page.locator("#profile-verified").textContent(), POLL).toBe("no");

    const link = await emailedLink(email, "verify-email");
    await page.goto(link);
    await expect.poll(() => page.locator("#verify-result").textContent(), POLL).toBe(`Your email address ${email} is verified.`);
    // The token left the address bar and the history entry at once.
    expect(page.url()).toBe(`${suite.stack.appUrl}/verify-email`);

    await page.goto("/sessions");
    await page.getByRole("button", { name: "Sign out this device" }).click();
    await page.waitForURL("**/signin");
    expect(await storedSession(page)).toBeNull();

    await signIn(page, email);
    await expect.poll(() => page.locator("#profile-verified").textContent(), POLL).toBe("yes");
    await page.goto("/messages");
    expect(await messageAnswers(page)).toEqual({
      public: "200 This is a public message.",
      protected: "200 This is a protected message.",
      moderator: expect.stringMatching(/^403 ./),
      admin: expect.stringMatching(/^403 ./),
    });
    expect(problems).toEqual([]);
  });

  it("signed out, the messages page shows the 401 of the protected routes", async () => {
    const page = await (await newContext()).newPage();
    await page.goto("/messages");
    const answers = await messageAnswers(page);
    expect(answers.public).toBe("200 This is a public message.");
    for (const name of ["protected", "moderator", "admin"]) expect(answers[name]).toMatch(/^401 /);
    expect(problems).toEqual([]);
  });

  it("two tabs whose token expires refresh at the same moment and both stay signed in, with one refresh between them", async () => {
    const email = newEmail();
    await signUpOverApi(email);
    const context = await newContext();
    const [tabA, tabB] = [await context.newPage(), await context.newPage()];
    await signIn(tabA, email);
    await tabA.goto("/messages");
    await tabB.goto("/messages");
    expect((await messageAnswers(tabA)).protected).toBe("200 This is a protected message.");
    expect((await messageAnswers(tabB)).protected).toBe("200 This is a protected message.");

    for (let round = 1; round <= 2; round += 1) {
      const before = await storedSession(tabA);
      // Wait until the token is in its last quarter, where both tabs refresh before using it
      // (the page's CSP forbids the eval that page.waitForFunction would need).
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, before!.expiresAt - 1500 - Date.now())));
      const refreshes: string[] = [];
      const onRequest = (request: { url(): string }) => void (request.url().endsWith("/auth/refresh") && refreshes.push(request.url()));
      context.on("request", onRequest);
      // Both tabs at once: each asks for all four messages.
      await Promise.all([tabA, tabB].map((tab) => tab.evaluate(`delete document.body.dataset.loaded; document.getElementById("reload-messages").click()`)));
      const [answersA, answersB] = await Promise.all([messageAnswers(tabA), messageAnswers(tabB)]);
      context.off("request", onRequest);

      expect(answersA.protected, `round ${round}`).toBe("200 This is a protected message.");
      expect(answersB.protected, `round ${round}`).toBe("200 This is a protected message.");
      // The tab that waited for the Web Lock used the other's refresh.
      expect(refreshes, `round ${round}`).toHaveLength(1);
      const after = await storedSession(tabB);
      expect(after?.refreshToken).not.toBe(before?.refreshToken);
      for (const tab of [tabA, tabB]) expect(await tab.locator("#who").textContent()).toBe(`Signed in as ${email}`);
    }
    expect(problems).toEqual([]);
  });

  it("signing out another device from the session list shows that device a notice that its session ended", async () => {
    const email = newEmail();
    await signUpOverApi(email);
    const laptop = await (await newContext("TestLaptop")).newPage();
    const phone = await (await newContext("TestPhone")).newPage();
    await signIn(laptop, email);
    await signIn(phone, email);
    await phone.goto("/messages");
    expect((await messageAnswers(phone)).protected).toBe("200 This is a protected message.");

    await laptop.goto("/sessions");
    // One card per session, named by its device; the raw User-Agent (which names the test's device) is folded away in it.
    const rows = laptop.locator("#sessions > li");
    const phoneRow = rows.filter({ has: laptop.locator(".user-agent", { hasText: "TestPhone" }) });
    // The signup's session (over the API), the laptop's and the phone's.
    await expect.poll(() => rows.count(), POLL).toBe(3);
    expect(await rows.filter({ has: laptop.locator(".user-agent", { hasText: "TestLaptop" }) }).getAttribute("data-current")).toBe("true");
    expect(await phoneRow.getAttribute("data-current")).toBe("false");
    await phoneRow.getByRole("button", { name: /^Sign out/ }).click();
    await expect.poll(() => rows.count(), POLL).toBe(2);
    expect(await phoneRow.count()).toBe(0);

    await phone.evaluate(`delete document.body.dataset.loaded; document.getElementById("reload-messages").click()`);
    expect((await messageAnswers(phone)).protected).toMatch(/^401 /);
    await expect.poll(() => phone.getByRole("alert").filter({ hasText: SESSION_ENDED }).count(), POLL).toBe(1);
    expect(await phone.locator("#notice").getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe("/signin?next=%2Fmessages");
    expect(await phone.locator("#who").textContent()).toBe("Not signed in");
    expect(await storedSession(phone)).toBeNull();

    // The laptop is still signed in.
    await laptop.goto("/messages");
    expect((await messageAnswers(laptop)).protected).toBe("200 This is a protected message.");
    expect(problems).toEqual([]);
  });

  it("changing the password keeps this device signed in and shows the other device that its session ended", async () => {
    const email = newEmail();
    await signUpOverApi(email);
    const laptop = await (await newContext("TestLaptop")).newPage();
    const phone = await (await newContext("TestPhone")).newPage();
    await signIn(laptop, email);
    await signIn(phone, email);

    await laptop.goto("/password");
    await laptop.getByLabel("Current password").fill("not the password");
    await laptop.getByLabel("New password").fill("copper window garden 58");
    await laptop.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => laptop.locator("#password-error").textContent(), POLL).not.toBe("");
    await laptop.getByLabel("Current password").fill(PASSWORD);
    await laptop.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => laptop.locator("#password-result").textContent(), POLL).toContain("Password changed");
    expect(await laptop.locator("#password-error").textContent()).toBe("");
    await laptop.goto("/messages");
    expect((await messageAnswers(laptop)).protected).toBe("200 This is a protected message.");

    await phone.goto("/messages");
    expect((await messageAnswers(phone)).protected).toMatch(/^401 /);
    await expect.poll(() => phone.getByRole("alert").filter({ hasText: SESSION_ENDED }).count(), POLL).toBe(1);
    expect(problems).toEqual([]);
  });

  it("a forgotten password is reset through the emailed link; the new password signs in, the old one no longer does", async () => {
    const email = newEmail();
    await signUpOverApi(email);
    const page = await (await newContext()).newPage();

    await page.goto("/forgot-password");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send the link" }).click();
    await expect.poll(() => page.locator("#forgot-result").textContent(), POLL).not.toBe("");

    const link = await emailedLink(email, "reset-password");
    await page.goto(link);
    expect(page.url()).toBe(`${suite.stack.appUrl}/reset-password`);
    const newPassword = "quartz meadow bicycle 7";
    await page.getByLabel("New password").fill(newPassword);
    await page.getByRole("button", { name: "Set the new password" }).click();
    await expect.poll(() => page.locator("#reset-result").textContent(), POLL).toContain("Your password was reset");

    await page.goto("/signin");
    await page.getByLabel("Email or username").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => page.locator("#signin-error").textContent(), POLL).not.toBe("");
    expect(await storedSession(page)).toBeNull();

    await signIn(page, email, newPassword);
    expect(problems).toEqual([]);
  });
});
