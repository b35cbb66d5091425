// Self-service in the example web app, in Chromium against the real local
// stack: a user edits the name and username (a taken username is that
// field's error), changes the email address through the real emails (the
// link to the new address, a notice to the old one) until the new address
// is the account's, deletes the account with the current password after a
// confirmation step, and reads the account's activity, a page at a time.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserSuite } from "../helpers/browser.js";
import { mailbox } from "../helpers/mailbox.js";

const PASSWORD = "violet tractor lantern 42";
const POLL = { timeout: 10_000 };
const suite = browserSuite();
const { problems } = suite;
let users = 0;

function newEmail(): string {
  users += 1;
  return `self-${users}-${Date.now()}@example.com`;
}

async function api(path: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${suite.stack.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
}

async function signUpOverApi(email: string, extra: Record<string, string> = {}): Promise<void> {
  expect((await api("/auth/signup", { email, password: PASSWORD, ...extra })).status).toBe(201);
}

async function signedInPage(email: string): Promise<Page> {
  await signUpOverApi(email);
  const page = await (await suite.newContext()).newPage();
  await page.goto("/signin");
  await page.getByLabel("Email or username").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL("**/profile", POLL);
  await expect.poll(() => page.locator("#profile-email").textContent(), POLL).toBe(email);
  return page;
}

const focused = (page: Page) => page.evaluate(`document.activeElement && (document.activeElement.id || document.activeElement.tagName)`);

/** The `/confirm-email#token=...` link of the newest email to `address` that has one (its text and HTML carry the same). */
async function confirmLink(address: string): Promise<string> {
  const box = mailbox(suite.stack.mailUrl);
  const prefix = `${suite.stack.appUrl}/confirm-email#token=`;
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  let found: string | undefined;
  await expect
    .poll(async () => {
      const emails = (await box.to(address)).filter((email) => email.body.text?.includes(prefix));
      const last = emails[emails.length - 1];
      const token = last && new RegExp(`${escaped}([A-Za-z0-9_-]+)`).exec(last.body.text ?? "")?.[1];
      if (token) expect(last.body.html).toContain(`${prefix}${token}`);
      found = token ? `${prefix}${token}` : undefined;
      return found;
    }, { timeout: 20_000 })
    .toBeDefined();
  return found!;
}

describe("self-service in the web app, in Chromium", { timeout: 120_000 }, () => {
  it("edits the name and username; a taken or malformed username is the username field's error", async () => {
    const taken = `taken_${Date.now()}`;
    await signUpOverApi(newEmail(), { username: taken });
    const page = await signedInPage(newEmail());
    const mine = `mine_${Date.now()}`;

    await page.getByLabel("Name", { exact: true }).fill("Ada Lovelace");
    await page.getByLabel("Username", { exact: true }).fill(mine);
    await page.getByRole("button", { name: "Save name and username" }).click();
    await expect.poll(() => page.locator("#edit-result").textContent(), POLL).toBe("Your name and username are saved.");
    expect(await focused(page)).toBe("edit-result");
    expect(await page.locator("#profile-name").textContent()).toBe("Ada Lovelace");
    expect(await page.locator("#profile-username").textContent()).toBe(mine);
    // Saved in the API: a reload shows it.
    await page.reload();
    await expect.poll(() => page.locator("#profile-username").textContent(), POLL).toBe(mine);

    await page.getByLabel("Username", { exact: true }).fill(taken);
    await page.getByRole("button", { name: "Save name and username" }).click();
    const username = page.locator("#edit-username");
    await expect.poll(() => username.getAttribute("aria-invalid"), POLL).toBe("true");
    expect(await username.getAttribute("aria-describedby")).toBe("edit-username-hint edit-username-error");
    expect(await page.locator("#edit-username-error").textContent()).toBe("This username is taken: choose another one.");
    expect(await focused(page)).toBe("edit-username");
    expect(await page.locator("#profile-username").textContent()).toBe(mine);

    await page.getByLabel("Username", { exact: true }).fill("-x");
    await page.getByRole("button", { name: "Save name and username" }).click();
    await expect.poll(() => page.locator("#edit-username-error").textContent(), POLL).toMatch(/^Username must be 3-32 letters/);
    expect(await page.locator("#edit-error").textContent()).not.toContain("username must");
    expect(problems).toEqual([]);
  });

  it("changes the email address through the real emails: the link to the new address, a notice to the old; the new address is the account's", async () => {
    const oldEmail = newEmail();
    const newAddress = newEmail();
    const page = await signedInPage(oldEmail);
    const box = mailbox(suite.stack.mailUrl);
    const toOldBefore = (await box.to(oldEmail)).length;

    // A wrong current password is that field's error; nothing is sent.
    await page.getByLabel("New email").fill(newAddress);
    await page.locator("#email-form").getByLabel("Current password").fill("not the password");
    await page.getByRole("button", { name: "Send the confirmation link" }).click();
    await expect.poll(() => page.locator("#email-password").getAttribute("aria-invalid"), POLL).toBe("true");
    expect(await focused(page)).toBe("email-password");

    await page.locator("#email-form").getByLabel("Current password").fill(PASSWORD);
    await page.getByRole("button", { name: "Send the confirmation link" }).click();
    await expect.poll(() => page.locator("#email-result").textContent(), POLL).toContain(`We sent a link to ${newAddress}.`);
    expect(await focused(page)).toBe("email-result");
    // Until the link is opened, the account keeps its address.
    await page.reload();
    await expect.poll(() => page.locator("#profile-email").textContent(), POLL).toBe(oldEmail);

    const link = await confirmLink(newAddress);
    await expect.poll(async () => (await box.to(oldEmail)).length, { timeout: 20_000 }).toBeGreaterThan(toOldBefore);
    await page.goto(link);
    expect(page.url()).toBe(`${suite.stack.appUrl}/confirm-email`);
    // Opening the link moves nothing: only the click does.
    await page.getByRole("button", { name: "Confirm the new address" }).waitFor();
    expect((await api("/auth/signin", { email: oldEmail, password: PASSWORD })).status).toBe(200);
    await page.getByRole("button", { name: "Confirm the new address" }).click();
    await expect.poll(() => page.locator("#confirm-result").textContent(), POLL).toBe(`Your email address is now ${newAddress}. Sign in with it from now on.`);
    await page.getByRole("link", { name: "Go to your profile" }).click();
    await expect.poll(() => page.locator("#profile-email").textContent(), POLL).toBe(newAddress);
    expect(await page.locator("#profile-verified").textContent()).toBe("yes");

    // The link works once.
    await page.goto(link);
    await page.getByRole("button", { name: "Confirm the new address" }).click();
    await expect.poll(() => page.locator("#confirm-error").textContent(), POLL).toBe("This link is invalid, has expired or was already used. Ask for a new one.");
    // The new address signs in; the old one no longer does.
    expect((await api("/auth/signin", { email: newAddress, password: PASSWORD })).status).toBe(200);
    expect((await api("/auth/signin", { email: oldEmail, password: PASSWORD })).status).toBe(401);
    expect(problems).toEqual([]);
  });

  it("the confirmation page without a token says what to do", async () => {
    const page = await (await suite.newContext()).newPage();
    await page.goto("/confirm-email");
    await expect.poll(() => page.locator("#confirm-error").textContent(), POLL).toBe("This link has no token. Open the link from the email again.");
    expect(problems).toEqual([]);
  });

  it("deletes the account with the current password after a confirmation step; then signed out, with a notice", async () => {
    const email = newEmail();
    const page = await signedInPage(email);
    expect(await page.locator("#delete-form").isVisible()).toBe(false);
    await page.getByRole("button", { name: "Delete my account…" }).click();
    expect(await focused(page)).toBe("delete-confirm-heading");

    // Kept: nothing happened.
    await page.getByRole("button", { name: "Keep my account" }).click();
    expect(await page.locator("#delete-form").isVisible()).toBe(false);
    expect(await focused(page)).toBe("delete-start");

    await page.getByRole("button", { name: "Delete my account…" }).click();
    await page.getByRole("button", { name: "Delete my account for good" }).click();
    await expect.poll(() => page.locator("#delete-password-error").textContent(), POLL).toBe("Enter your current password to delete the account.");
    expect(await focused(page)).toBe("delete-password");

    await page.locator("#delete-form").getByLabel("Current password").fill("not the password");
    await page.getByRole("button", { name: "Delete my account for good" }).click();
    await expect.poll(() => page.locator("#delete-password-error").textContent(), POLL).toBe("The current password is wrong.");
    expect((await api("/auth/signin", { email, password: PASSWORD })).status).toBe(200);

    await page.locator("#delete-form").getByLabel("Current password").fill(PASSWORD);
    await page.getByRole("button", { name: "Delete my account for good" }).click();
    await page.waitForURL((url) => url.pathname === "/", POLL);
    expect(await page.locator("#notice").textContent()).toBe(`The account ${email} is deleted, and every device is signed out.`);
    expect(await page.locator("#who").textContent()).toBe("Not signed in");
    expect(await page.evaluate(`localStorage.getItem("auth-session")`)).toBeNull();
    expect((await api("/auth/signin", { email, password: PASSWORD })).status).toBe(401);
    expect(problems).toEqual([]);
  });

  it("my activity: newest first, in words, with device names; older events a page at a time", async () => {
    const email = newEmail();
    await signUpOverApi(email);
    // 24 sign-ins over the API (no browser's User-Agent): more than one page of 20.
    for (let n = 0; n < 24; n += 1) expect((await api("/auth/signin", { email, password: PASSWORD })).status).toBe(200);
    const page = await (await suite.newContext()).newPage();
    await page.goto("/signin?next=/activity");
    await page.getByLabel("Email or username").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL("**/activity", POLL);

    const cards = page.locator("#events > li");
    await expect.poll(() => cards.count(), POLL).toBe(20);
    // Newest first: this browser's sign-in, named by its device, never by its raw User-Agent.
    expect(await cards.first().locator("h2").textContent()).toBe("Signed in with a password");
    const device = await cards.first().locator("dt:text-is('Device') + dd").textContent();
    expect(device).not.toContain("Mozilla");
    expect(device).not.toBe("");
    const times = await page.locator("#events time").evaluateAll((list) => list.map((time) => Date.parse(time.getAttribute("datetime")!)));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(await page.locator("#activity-status").textContent()).toBe("20 events shown; older ones follow.");

    await page.getByRole("button", { name: "Show older activity" }).click();
    await expect.poll(() => cards.count(), POLL).toBe(26);
    expect(await focused(page)).toBe("H2");
    expect(await page.evaluate(`document.activeElement.closest("li") === document.querySelectorAll("#events > li")[20]`)).toBe(true);
    expect(await page.getByRole("button", { name: "Show older activity" }).isVisible()).toBe(false);
    expect(await cards.last().locator("h2").textContent()).toBe("Account created");
    expect(await page.locator("#activity-status").textContent()).toBe("26 events shown.");
    expect(problems).toEqual([]);
  });
});
