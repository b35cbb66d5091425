// The example web app's rough edges, each held in Chromium against the real
// local stack: the navigation follows the session (and the admin role), the
// sign-in page sends a signed-in user on and comes back to where the user
// was (a path of this app only), pages that need a session say so with a
// sign-in link, an ended session says so once more on the next page, another
// tab stops showing protected content at sign-out, errors sit on their fields
// with focus on them, the session list fits a 390 px phone, a lockout says
// its wait once, titles are distinct, and a refused origin (CORS) is said in words.
import { readdirSync, readFileSync } from "node:fs";
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserSuite, grantRoleInStack } from "../helpers/browser.js";

const PASSWORD = "violet tractor lantern 42";
const POLL = { timeout: 10_000 };
const SESSION_ENDED = "Your session was ended on another device, or it expired. Please sign in again.";
const suite = browserSuite();
const { problems } = suite;
let users = 0;

function newEmail(): string {
  users += 1;
  return `rough-${users}-${Date.now()}@example.com`;
}

async function signUpOverApi(email: string, extra: Record<string, string> = {}): Promise<void> {
  const response = await fetch(`${suite.stack.baseUrl}/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD, ...extra }),
  });
  expect(response.status).toBe(201);
}

/** Signs in on /signin (with `next` when given) and waits for where the app went. */
async function signIn(page: Page, email: string, { next, lands = "/profile" }: { next?: string; lands?: string } = {}): Promise<void> {
  await page.goto(next === undefined ? "/signin" : `/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email or username").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => url.pathname === lands, POLL);
}

/** The main navigation's entries, as a user reads them (links, then the Sign out button). */
async function navEntries(page: Page): Promise<string[]> {
  await page.locator("#nav-links li").first().waitFor();
  return (await page.locator("#nav-links li").allTextContents()).map((text) => text.trim());
}

const storedSession = (page: Page) =>
  page.evaluate(`JSON.parse(localStorage.getItem("auth-session"))`) as Promise<{ accessToken: string; refreshToken: string } | null>;

/** What has focus: its id, or its tag when it has none. */
const focused = (page: Page) => page.evaluate(`document.activeElement && (document.activeElement.id || document.activeElement.tagName)`);

async function signedInPage(email: string, context?: BrowserContext): Promise<Page> {
  await signUpOverApi(email);
  const page = await (context ?? (await suite.newContext())).newPage();
  await signIn(page, email);
  return page;
}

describe("the web app's rough edges, in Chromium", { timeout: 120_000 }, () => {
  it("the navigation: Home, Sign in, Sign up signed out; the app's pages and Sign out signed in; Admin for admins only; Sign out signs out", async () => {
    const page = await (await suite.newContext()).newPage();
    await page.goto("/");
    expect(await navEntries(page)).toEqual(["Home", "Sign in", "Sign up"]);
    expect(await page.locator("#nav-links [aria-current=page]").textContent()).toBe("Home");

    const email = newEmail();
    await signUpOverApi(email);
    await signIn(page, email);
    expect(await navEntries(page)).toEqual(["Messages", "Profile", "Sessions", "Security", "Activity", "Change password", "Sign out"]);
    expect(await page.getByRole("link", { name: "Admin" }).count()).toBe(0);

    // Sign out really ends the session: its refresh token no longer works.
    const session = await storedSession(page);
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/", POLL);
    expect(await page.locator("#notice").textContent()).toBe("You are signed out.");
    expect(await navEntries(page)).toEqual(["Home", "Sign in", "Sign up"]);
    expect(await storedSession(page)).toBeNull();
    const refresh = await fetch(`${suite.stack.baseUrl}/auth/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refreshToken: session!.refreshToken }),
    });
    expect(refresh.status).toBe(401);
    // The notice was for that page only.
    await page.reload();
    await page.locator("#nav-links li").first().waitFor();
    expect(await page.locator("#notice").textContent()).toBe("");

    const admin = newEmail();
    await signUpOverApi(admin);
    await grantRoleInStack(suite.stack, admin, "admin");
    await signIn(page, admin);
    expect(await navEntries(page)).toEqual(["Messages", "Profile", "Sessions", "Security", "Activity", "Change password", "Admin", "Sign out"]);
    expect(await page.getByRole("link", { name: "Admin", exact: true }).getAttribute("href")).toBe("/admin");
    expect(problems).toEqual([]);
  });

  it("a skip link is the first stop of Tab on every page and moves focus to the main content", async () => {
    const page = await (await suite.newContext()).newPage();
    for (const file of readdirSync(new URL("../../web/public", import.meta.url)).filter((name) => name.endsWith(".html"))) {
      expect(readFileSync(new URL(`../../web/public/${file}`, import.meta.url), "utf8"), file).toContain('<a class="skip-link" href="#main">Skip to content</a>');
    }
    await page.goto("/forgot-password");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(`document.activeElement.textContent`)).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await focused(page)).toBe("main");
    expect(problems).toEqual([]);
  });

  it("every page's title is distinct, and the home page's is not doubled", async () => {
    const titles = new Map<string, string>();
    for (const file of readdirSync(new URL("../../web/public", import.meta.url)).filter((name) => name.endsWith(".html"))) {
      const title = /<title>([^<]*)<\/title>/.exec(readFileSync(new URL(`../../web/public/${file}`, import.meta.url), "utf8"))?.[1];
      expect(title, file).toBeDefined();
      expect([...titles.values()], `${file}: ${title}`).not.toContain(title);
      titles.set(file, title!);
    }
    expect(titles.get("index.html")).toBe("Auth API example");
  });

  it("a signed-in user who opens /signin or /signup is sent on: to ?next= when it is a path of the app, else to the profile", async () => {
    const page = await signedInPage(newEmail());
    await page.goto("/signin");
    await page.waitForURL((url) => url.pathname === "/profile", POLL);
    await page.goto("/signup");
    await page.waitForURL((url) => url.pathname === "/profile", POLL);
    await page.goto("/signin?next=%2Fsessions%3Fx%3D1");
    await page.waitForURL((url) => url.pathname === "/sessions" && url.search === "?x=1", POLL);
    // Anything that would leave the app's origin is refused: the profile instead.
    for (const next of ["//evil.example/", "/\\evil.example/", "https://evil.example/", "javascript:alert(1)", "/\t/evil.example/", "evil.example"]) {
      await page.goto(`/signin?next=${encodeURIComponent(next)}`);
      await page.waitForURL((url) => url.pathname === "/profile", POLL);
      expect(new URL(page.url()).origin, next).toBe(new URL(suite.stack.appUrl).origin);
    }
    expect(problems).toEqual([]);
  });

  it("signed out, each protected page shows a sign-in link instead of its content, which comes back to that page after signing in", async () => {
    const email = newEmail();
    await signUpOverApi(email);
    const page = await (await suite.newContext()).newPage();
    for (const path of ["/password", "/profile", "/sessions", "/security", "/activity"]) {
      await page.goto(path);
      const access = page.locator("#access");
      await access.waitFor(POLL);
      expect(await access.textContent(), path).toBe("You are not signed in. Sign in to see this page.");
      expect(await access.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe(`/signin?next=${encodeURIComponent(path)}`);
      // Nothing of the page's own content shows, no form and no "Loading…".
      expect(await page.locator("main form:visible, main [role=status]:visible").count(), path).toBe(0);
      expect(await page.locator("main").innerText(), path).not.toContain("Loading");
    }
    await page.goto("/password");
    expect(await page.getByLabel("Current password").isVisible()).toBe(false);
    await page.locator("#access").getByRole("link", { name: "Sign in" }).click();
    await page.getByLabel("Email or username").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/password", POLL);
    expect(await page.getByLabel("Current password").isVisible()).toBe(true);
    expect(problems).toEqual([]);
  });

  it("a session ended elsewhere: the page says so with a sign-in link (no 'Loading…', no raw error), and the next page once more", async () => {
    const page = await signedInPage(newEmail());
    await page.goto("/sessions");
    await expect.poll(() => page.locator("#sessions > li").count(), POLL).toBe(2);
    const { accessToken } = (await storedSession(page))!;
    const ended = await fetch(`${suite.stack.baseUrl}/auth/signout`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ allSessions: true }),
    });
    expect(ended.status).toBe(204);

    // The sessions page finds out: the notice with a sign-in link back, the signed-out page, no "Loading…" left above it.
    await page.goto("/sessions");
    await expect.poll(() => page.locator("#notice").textContent(), POLL).toBe(`${SESSION_ENDED} Sign in`);
    expect(await page.locator("#notice").getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe("/signin?next=%2Fsessions");
    expect(await page.locator("#access").textContent()).toBe("You are not signed in. Sign in to see this page.");
    expect(await page.locator("main").innerText()).not.toContain("Loading");
    expect(await page.locator("#who").textContent()).toBe("Not signed in");

    // The next page says it once more (its link back to that page), never the client's raw "The session has ended"; then it is gone.
    await page.goto("/profile");
    await expect.poll(() => page.locator("#notice").textContent(), POLL).toBe(`${SESSION_ENDED} Sign in`);
    expect(await page.locator("#notice").getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe("/signin?next=%2Fprofile");
    expect(await page.locator("#access").textContent()).toBe("You are not signed in. Sign in to see this page.");
    const shown = await page.locator("body").innerText();
    expect(shown).not.toContain("The session has ended");
    expect(shown).not.toContain("Loading");
    await page.reload();
    await page.locator("#access").waitFor(POLL);
    expect(await page.locator("#notice").textContent()).toBe("");
    expect(problems).toEqual([]);
  });

  it("signing out in one tab: the other tab stops showing protected content at once, and its navigation follows", async () => {
    const context = await suite.newContext();
    const tab = await signedInPage(newEmail(), context);
    const other = await context.newPage();
    await other.goto("/sessions");
    await expect.poll(() => other.locator("#sessions > li").count(), POLL).toBe(2);
    await tab.getByRole("button", { name: "Sign out", exact: true }).click();
    await tab.waitForURL((url) => url.pathname === "/", POLL);

    await expect.poll(() => other.locator("#access").textContent(), POLL).toBe("You are not signed in. Sign in to see this page.");
    expect(await other.locator("#sessions").isVisible()).toBe(false);
    expect(await other.getByRole("button", { name: "Sign out everywhere" }).isVisible()).toBe(false);
    expect(await navEntries(other)).toEqual(["Home", "Sign in", "Sign up"]);
    expect(await other.locator("#who").textContent()).toBe("Not signed in");
    expect(problems).toEqual([]);
  });

  it("errors sit on their fields (aria-invalid, aria-describedby) in the form's words, and focus moves to the first one", async () => {
    const page = await signedInPage(newEmail());
    await page.goto("/password");
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByLabel("New password").fill("password");
    await page.getByRole("button", { name: "Change password" }).click();
    const newPassword = page.locator("#new-password");
    await expect.poll(() => newPassword.getAttribute("aria-invalid"), POLL).toBe("true");
    const describedBy = (await newPassword.getAttribute("aria-describedby"))!.split(" ");
    expect(describedBy).toContain("new-password-hint");
    const errorId = describedBy.find((id) => id !== "new-password-hint")!;
    expect(await page.locator(`#${errorId}`).textContent()).toBe("New password is too common: choose one that is harder to guess.");
    expect(await page.locator("#password-error").textContent()).not.toContain("newPassword");
    expect(await focused(page)).toBe("new-password");
    expect(await page.locator("#current-password").getAttribute("aria-invalid")).toBeNull();

    // A wrong current password is that field's error; the other one is cleared.
    await page.getByLabel("Current password").fill("not the password");
    await page.getByLabel("New password").fill("copper window garden 58");
    await page.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => page.locator("#current-password").getAttribute("aria-invalid"), POLL).toBe("true");
    expect(await newPassword.getAttribute("aria-invalid")).toBeNull();
    expect(await newPassword.getAttribute("aria-describedby")).toBe("new-password-hint");
    expect(await page.locator("#current-password-error").textContent()).toBe("The current password is wrong.");
    expect(await focused(page)).toBe("current-password");

    // A success moves focus to its result, never leaving it on <body>.
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => page.locator("#password-result").textContent(), POLL).toBe("Password changed. Your other devices were signed out.");
    expect(await focused(page)).toBe("password-result");
    expect(await page.locator("#current-password").getAttribute("aria-invalid")).toBeNull();
    expect(problems).toEqual([]);
  });

  it("signup: a taken username is the username field's error; a form-level error takes focus to the summary", async () => {
    const taken = `rough_${Date.now()}`;
    await signUpOverApi(newEmail(), { username: taken });
    const page = await (await suite.newContext()).newPage();
    await page.goto("/signup");
    await page.getByLabel("Email").fill(newEmail());
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByLabel("Username (optional)").fill(taken);
    await page.getByRole("button", { name: "Sign up" }).click();
    await expect.poll(() => page.locator("#username").getAttribute("aria-invalid"), POLL).toBe("true");
    expect(await page.locator("#username").getAttribute("aria-describedby")).toBe("username-error");
    expect(await page.locator("#username-error").textContent()).toBe("This username is taken: choose another one.");
    expect(await focused(page)).toBe("username");

    await page.goto("/forgot-password");
    await page.getByLabel("Email").fill(newEmail());
    await page.getByRole("button", { name: "Send the link" }).click();
    await expect.poll(() => page.locator("#forgot-result").textContent(), POLL).not.toBe("");
    expect(await focused(page)).toBe("forgot-result");
    expect(problems).toEqual([]);
  });

  it("a locked account says how long to wait once (no 'try again later. Try again in …')", async () => {
    const email = newEmail();
    await signUpOverApi(email);
    const page = await (await suite.newContext()).newPage();
    await page.goto("/signin");
    const error = page.locator("#signin-error");
    let text = "";
    for (let attempt = 1; attempt <= 8 && !text.includes("Try again in"); attempt += 1) {
      await page.getByLabel("Email or username").fill(email);
      await page.getByLabel("Password").fill(`wrong password ${attempt}`);
      // The summary is emptied at submit, then says what the API answered.
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await expect.poll(async () => (text = (await error.textContent()) ?? ""), POLL).not.toBe("");
    }
    expect(text).toMatch(/^Too many failed attempts for this account\. Try again in (\d+ seconds?|\d+ minutes)\.$/);
    expect(text.toLowerCase().match(/try again/g)).toHaveLength(1);
    expect(await focused(page)).toBe("signin-error");
    expect(problems).toEqual([]);
  });

  it("the session list is readable at 390 px: friendly device names, no sideways scrolling", async () => {
    const context = await suite.newContext({
      viewport: { width: 390, height: 844 },
      userAgent:
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 SomeVeryLongToolbarExtensionName/1.2.3.4.5.6.7.8.9",
    });
    const page = await signedInPage(newEmail(), context);
    await page.goto("/sessions");
    const cards = page.locator("#sessions > li");
    await expect.poll(() => cards.count(), POLL).toBe(2);
    const current = page.locator("#sessions > li[data-current=true] h2");
    expect(await current.textContent()).toBe("Chrome on macOS (this device)");
    // The signup over the API sent no browser's User-Agent.
    for (const name of await page.locator("#sessions > li h2").allTextContents()) expect(name).not.toContain("Mozilla");
    expect(await page.evaluate(`document.scrollingElement.scrollWidth`)).toBeLessThanOrEqual(390);
    expect(await page.evaluate(`document.getElementById("sessions").getBoundingClientRect().right`)).toBeLessThanOrEqual(390);
    // The raw User-Agent is there for support, folded away.
    expect(await page.locator("#sessions > li[data-current=true] details .user-agent").textContent()).toContain("SomeVeryLongToolbarExtensionName");
    expect(problems).toEqual([]);
  });

  it("opened from an origin the API does not allow (CORS), the page says so instead of 'Failed to fetch' alone", async () => {
    // The same app at 127.0.0.1 instead of localhost: another origin, not in the stack's CORS_ORIGINS.
    const otherOrigin = suite.stack.appUrl.replace("localhost", "127.0.0.1");
    const context = await suite.newContext({ baseURL: otherOrigin });
    const page = await context.newPage();
    await page.goto("/forgot-password");
    await page.getByLabel("Email").fill(newEmail());
    await page.getByRole("button", { name: "Send the link" }).click();
    const error = page.locator("#forgot-error");
    await expect.poll(() => error.textContent(), POLL).not.toBe("");
    expect(await error.textContent()).toContain("CORS_ORIGINS");
    expect(await error.textContent()).toContain(otherOrigin);
    // Chromium reports the refused answer on the console; nothing else may go wrong.
    expect(problems.filter((problem) => !/CORS policy|Failed to load resource: net::ERR_FAILED/.test(problem))).toEqual([]);
  });
});
