// axe-core (default rules, every impact level) on every page of the example
// web app, in Chromium against the real local stack: each file of
// web/public/*.html (a new page is covered without a change here), signed
// out and signed in (as an admin for admin*.html), the hosted sign-in page
// with a real authorization request, and the states a user reaches by
// acting: field errors, the delete confirmation, the authenticator setup.
// Zero violations.
import { readdirSync } from "node:fs";
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { axeViolations, browserSuite, grantRoleInStack } from "../helpers/browser.js";

const PASSWORD = "violet tractor lantern 42";
const POLL = { timeout: 10_000 };
const suite = browserSuite();
const { problems } = suite;

/** Every page of the app, by its path ("/" for index.html). */
const PAGES = readdirSync(new URL("../../web/public", import.meta.url))
  .filter((name) => name.endsWith(".html"))
  .map((name) => (name === "index.html" ? "/" : `/${name.slice(0, -".html".length)}`))
  .sort();
/** Pages that send a signed-in user elsewhere. */
const GUEST_PAGES = new Set(["/signin", "/signup"]);
const isAdminPage = (path: string) => path.startsWith("/admin");

async function signedInContext(label: string, role?: string): Promise<BrowserContext> {
  const email = `a11y-${label}-${Date.now()}@example.com`;
  const signup = await fetch(`${suite.stack.baseUrl}/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(signup.status).toBe(201);
  if (role) await grantRoleInStack(suite.stack, email, role);
  const context = await suite.newContext();
  const page = await context.newPage();
  await page.goto("/signin");
  await page.getByLabel("Email or username").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL("**/profile", POLL);
  await page.close();
  return context;
}

/** What a page says while it loads. */
const LOADING = /Loading…|Verifying…|Confirming…|Signing in…/;

/** Opens `path` and waits until the page has done what it does on load (the header filled in, nothing left loading). */
async function open(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.locator("#who:not(:empty)").waitFor(POLL);
  await expect.poll(async () => LOADING.test(await page.locator("main").innerText()), { timeout: 20_000 }).toBe(false);
}

/** The violations, formatted so that a failure says where. */
async function check(page: Page, state: string): Promise<string[]> {
  return (await axeViolations(page)).map((finding) => `${state}: ${finding.id} (${finding.impact}) ${finding.help} at ${finding.nodes.join(", ")}`);
}

describe("axe-core on every page of the web app", { timeout: 180_000 }, () => {
  it("finds pages to check, the new self-service ones among them", () => {
    expect(PAGES).toEqual(expect.arrayContaining(["/", "/signin", "/profile", "/sessions", "/security", "/activity", "/confirm-email", "/authorize"]));
  });

  it("signed out: 0 violations on every page", async () => {
    const page = await (await suite.newContext()).newPage();
    const found: string[] = [];
    for (const path of PAGES) {
      await open(page, path);
      found.push(...(await check(page, `signed out ${path}`)));
    }
    expect(found).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("signed in: 0 violations on every page (as an admin on the admin pages)", async () => {
    const user = await (await signedInContext("user")).newPage();
    const admin = await (await signedInContext("admin", "admin")).newPage();
    const found: string[] = [];
    for (const path of PAGES.filter((candidate) => !GUEST_PAGES.has(candidate))) {
      const page = isAdminPage(path) ? admin : user;
      await open(page, path);
      found.push(...(await check(page, `signed in ${path}`)));
    }
    // A user without the admin role on an admin page is told so.
    for (const path of PAGES.filter(isAdminPage)) {
      await open(user, path);
      found.push(...(await check(user, `not an admin ${path}`)));
    }
    expect(found).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("0 violations in the states a user acts into: field errors, the delete confirmation, the authenticator setup, the hosted sign-in page", async () => {
    const context = await signedInContext("states");
    const page = await context.newPage();
    const found: string[] = [];

    await open(page, "/password");
    await page.getByLabel("Current password").fill("not the password");
    await page.getByLabel("New password").fill("password");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.locator("[aria-invalid=true]").first().waitFor(POLL);
    found.push(...(await check(page, "password with field errors")));

    await open(page, "/profile");
    await page.getByRole("button", { name: "Delete my account…" }).click();
    await page.getByRole("button", { name: "Delete my account for good" }).click();
    await page.locator("#delete-password[aria-invalid=true]").waitFor(POLL);
    await page.getByLabel("Username", { exact: true }).fill("-");
    await page.getByRole("button", { name: "Save name and username" }).click();
    await page.locator("#edit-username[aria-invalid=true]").waitFor(POLL);
    found.push(...(await check(page, "profile with the delete confirmation and field errors")));

    await open(page, "/security");
    await page.getByRole("button", { name: "Set up an authenticator app" }).click();
    await page.getByLabel("Secret key").waitFor(POLL);
    found.push(...(await check(page, "security with the authenticator setup")));

    // The hosted sign-in page with a real request: the Continue view (signed in), then the form (signed out).
    await open(page, "/sessions");
    const session = await page.evaluate(`localStorage.getItem("auth-session")`);
    const guest = await (await suite.newContext()).newPage();
    await open(guest, "/signin");
    await guest.getByRole("button", { name: "Sign in on the hosted page" }).click();
    await guest.waitForURL((url) => url.pathname === "/authorize", POLL);
    await guest.getByLabel("Email").waitFor(POLL);
    found.push(...(await check(guest, "hosted sign-in page, signed out")));
    await guest.evaluate(`localStorage.setItem("auth-session", ${JSON.stringify(session)})`);
    await guest.reload();
    await guest.getByRole("button", { name: "Continue", exact: true }).waitFor(POLL);
    found.push(...(await check(guest, "hosted sign-in page, Continue")));

    expect(found).toEqual([]);
    expect(problems).toEqual([]);
  });
});
