// The admin console of the example web app in a real Chromium against the
// real local stack: an admin finds a user by email, disables and enables
// them (the user's signin and open session follow at once), changes their
// roles, sees their connected accounts, resets their second factor, pages through the users and deletes
// one; registers a confidential OAuth client whose secret is shown once, and
// deletes it. A user without the admin role, or no one signed in, sees no
// console and no admin data is asked for. axe-core finds nothing on any
// admin page, and at 390 px nothing is wider than the screen. Any page error
// or unexpected console error fails the test; a failed test leaves
// screenshots in test-results/.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { authenticatorApp } from "../helpers/authenticator-app.js";
import { axeViolations, browserSuite, grantRoleInStack } from "../helpers/browser.js";
import { client } from "../helpers/client.js";
import { PASSWORD, uniqueEmail } from "../helpers/fixtures.js";
import { localProviderSignin, oidc } from "../helpers/oidc.js";

// The machine may be loaded: what the page shows may take a while.
const POLL = { timeout: 10_000 };
const PHONE = { width: 390, height: 844 };

const suite = browserSuite();
const { problems } = suite;
const api = () => client(suite.stack.baseUrl);

interface Account {
  email: string;
  userId: string;
  accessToken: string;
}

async function signUp(label: string): Promise<Account> {
  const email = uniqueEmail(label);
  const reply = await api().post("/auth/signup", { email, password: PASSWORD });
  expect(reply.status, reply.text).toBe(201);
  return { email, userId: reply.body.user.id, accessToken: reply.body.accessToken };
}

/** An admin as an operator makes one: `npm run grant-role` on the stack's database. */
async function signUpAdmin(): Promise<Account> {
  const admin = await signUp("admin");
  await grantRoleInStack(suite.stack, admin.email, "admin");
  return admin;
}

const signIn = (email: string) => api().post("/auth/signin", { email, password: PASSWORD });

/** Signs in on the app's sign-in page, as a person would. */
async function signInPage(page: Page, email: string): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Email or username").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"));
}

/** A new browser profile with `account` signed in. */
async function signedInPage(account: Account, options: Parameters<typeof suite.newContext>[0] = {}): Promise<Page> {
  const page = await (await suite.newContext(options)).newPage();
  await signInPage(page, account.email);
  return page;
}

/** The users page's search, as an admin would use it. */
async function searchUser(page: Page, email: string): Promise<void> {
  await page.getByLabel("Find a user by email").fill(email);
  await page.getByRole("button", { name: "Search", exact: true }).click();
}

/** The user's page, opened from the search on the users page. */
async function openUser(page: Page, email: string): Promise<void> {
  await page.goto("/admin");
  await searchUser(page, email.toUpperCase());
  // The first page may list the user too: click the search's answer, not a link it is about to replace.
  await expect.poll(() => listedEmails(page), POLL).toEqual([email]);
  await page.getByRole("link", { name: email }).click();
  await page.waitForURL("**/admin-user?id=*");
  await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain("Admin console");
  await page.getByRole("heading", { level: 1, name: email }).waitFor();
}

const statusOf = (page: Page, id: string) => page.locator(`#${id}`).textContent();

/** The emails in the users table, top to bottom. */
const listedEmails = (page: Page) => page.locator("#users-table tbody tr td:first-child a").allTextContents();


/** How much wider than the window the page is (0: it fits). */
const overflow = (page: Page) => page.evaluate("document.documentElement.scrollWidth - window.innerWidth") as Promise<number>;

describe("the admin console in Chromium", { timeout: 120_000 }, () => {
  it("shows a signed-out visitor a sign-in link and a user without the admin role no console, and asks the API for no admin data", async () => {
    const user = await signUp("plain");
    const other = await signUp("other");
    const page = await (await suite.newContext()).newPage();
    const adminRequests: string[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.origin === suite.stack.baseUrl && /^\/(users(?!\/me\b)|oauth2\/clients)/.test(url.pathname)) adminRequests.push(`${request.method()} ${url.pathname}`);
    });
    const pages = ["/admin", `/admin-user?id=${other.userId}`, "/admin-clients"];

    for (const path of pages) {
      await page.goto(path);
      await expect.poll(() => page.locator("main").getByRole("link", { name: "Sign in" }).count(), POLL).toBeGreaterThan(0);
      expect(await page.locator("#console *").count()).toBe(0);
    }

    await signInPage(page, user.email);
    for (const path of pages) {
      await page.goto(path);
      await expect.poll(() => statusOf(page, "admin-gate"), POLL).toContain("You need the admin role");
      expect(await page.locator("#console *").count(), path).toBe(0);
      expect(await page.getByRole("table").count(), path).toBe(0);
      expect(await page.getByRole("searchbox").count(), path).toBe(0);
      expect(await page.getByRole("button", { name: /Disable|Delete|Register/ }).count(), path).toBe(0);
      expect(await axeViolations(page), path).toEqual([]);
    }
    expect(adminRequests).toEqual([]);
    // The API refuses anyway: the page hides what it would refuse.
    expect((await api().get("/users", { token: user.accessToken })).status).toBe(403);
    expect(problems).toEqual([]);
  });

  it("an admin finds a user by email, disables them (their signin answers 403 and their open session ends), enables them and changes their roles", async () => {
    const admin = await signUpAdmin();
    const target = await signUp("target");
    const targetPage = await signedInPage(target);
    await targetPage.goto("/profile");
    await expect.poll(() => targetPage.locator("#profile-email").textContent(), POLL).toBe(target.email);
    const page = await signedInPage(admin);

    await openUser(page, target.email);
    expect(await statusOf(page, "account-state")).toBe("Active");
    await page.getByRole("button", { name: `Disable ${target.email}` }).click();
    await expect.poll(() => statusOf(page, "account-status"), POLL).toContain(`${target.email} is disabled`);
    expect(await statusOf(page, "account-state")).toBe("Disabled");
    // The same button, now the other way, keeps focus.
    expect(await page.evaluate("document.activeElement.textContent")).toBe(`Enable ${target.email}`);
    await expect.poll(() => page.locator("#events-table tbody tr[data-type=disabled]").count(), POLL).toBe(1);

    const refused = await signIn(target.email);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("account_disabled");
    expect((await api().get("/users/me", { token: target.accessToken })).status).toBe(401);
    // The user's open tab: its next call finds the session ended, and the app forgets it.
    await targetPage.reload();
    await expect.poll(() => targetPage.evaluate(`localStorage.getItem("auth-session")`), POLL).toBeNull();

    await page.getByRole("button", { name: `Enable ${target.email}` }).click();
    await expect.poll(() => statusOf(page, "account-status"), POLL).toContain(`${target.email} is enabled`);
    expect(await statusOf(page, "account-state")).toBe("Active");
    expect((await signIn(target.email)).status).toBe(200);

    await page.getByRole("group", { name: `Roles of ${target.email}` }).getByRole("checkbox", { name: "moderator" }).check();
    await page.getByRole("button", { name: `Save roles of ${target.email}` }).click();
    await expect.poll(() => statusOf(page, "roles-status"), POLL).toBe(`The roles of ${target.email} are now: user, moderator.`);
    const after = await signIn(target.email);
    expect(after.body.user.roles).toEqual(expect.arrayContaining(["user", "moderator"]));
    await expect.poll(() => page.locator("#events-table tbody tr[data-type=roles_changed]").count(), POLL).toBe(1);

    // The list shows the change too.
    await page.goto("/admin");
    await searchUser(page, target.email);
    await expect.poll(() => listedEmails(page), POLL).toEqual([target.email]);
    expect(await page.locator("#users-table tbody tr td[data-label=Roles]").textContent()).toBe("user, moderator");
    expect(problems).toEqual([]);
  });

  it("an admin sees the connected accounts of a user who signed up through the local provider, and none of a password user", async () => {
    const admin = await signUpAdmin();
    const kit = oidc(suite.stack);
    const email = uniqueEmail("idp-user");
    await localProviderSignin(kit, await kit.relyingParty("web"), `${suite.stack.appUrl}/callback`, email);
    const page = await signedInPage(admin);

    await openUser(page, email);
    const rows = page.locator("#identities-table tbody tr");
    await expect.poll(() => rows.count(), POLL).toBe(1);
    expect(await rows.locator("td[data-label=Provider]").textContent()).toBe("local");
    expect(await rows.locator("td[data-label='Email at the provider']").textContent()).toBe(email);
    expect(await statusOf(page, "user-password")).toContain("None");

    const passwordUser = await signUp("no-identities");
    await openUser(page, passwordUser.email);
    await expect.poll(() => statusOf(page, "identities-status"), POLL).toBe(`${passwordUser.email} has no connected accounts.`);
    expect(await page.locator("#identities-table").isHidden()).toBe(true);
    expect(problems).toEqual([]);
  });

  it("an admin cannot disable or delete themselves, and removing their own admin role is refused in words", async () => {
    const admin = await signUpAdmin();
    const page = await signedInPage(admin);
    await openUser(page, admin.email);
    await expect.poll(() => page.locator("#self-note").isVisible(), POLL).toBe(true);
    for (const action of ["Disable", "Delete", "Reset MFA of"]) {
      expect(await page.getByRole("button", { name: `${action} ${admin.email}` }).count(), action).toBe(0);
    }
    await page.getByRole("checkbox", { name: "admin" }).uncheck();
    await page.getByRole("button", { name: `Save roles of ${admin.email}` }).click();
    await expect.poll(() => statusOf(page, "roles-error"), POLL).toContain("cannot do this to your own account");
    expect((await api().get("/users?limit=1", { token: admin.accessToken })).status).toBe(200);
    expect(problems).toEqual([]);
  });

  it("an admin resets the second factor of a user with an authenticator app, after confirming", async () => {
    const admin = await signUpAdmin();
    const target = await signUp("totp");
    const started = await api().post("/users/me/mfa/totp", undefined, { token: target.accessToken });
    expect(started.status, started.text).toBe(201);
    const confirmed = await api().post("/users/me/mfa/totp/confirm", { code: await authenticatorApp(started.body.secret).freshCode() }, { token: target.accessToken });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect((await signIn(target.email)).body.code).toBe("mfa_required");

    const page = await signedInPage(admin);
    await openUser(page, target.email);
    expect(await statusOf(page, "mfa-state")).toBe("On");
    const reset = page.getByRole("button", { name: `Reset MFA of ${target.email}` });

    // Cancelled: nothing changes, and focus is back on the button.
    await reset.click();
    const dialog = page.getByRole("dialog", { name: `Reset the second factors of ${target.email}?` });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await page.evaluate("document.activeElement.textContent")).toBe(`Reset MFA of ${target.email}`);
    expect((await signIn(target.email)).body.code).toBe("mfa_required");

    await reset.click();
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: `Reset MFA of ${target.email}` }).click();
    await expect.poll(() => statusOf(page, "mfa-status"), POLL).toContain(`The second factors of ${target.email} are removed`);
    expect(await statusOf(page, "mfa-state")).toBe("Off");
    const signin = await signIn(target.email);
    expect(signin.status, signin.text).toBe(200);
    await expect.poll(() => page.locator("#events-table tbody tr[data-type=mfa_reset]").count(), POLL).toBe(1);
    expect(problems).toEqual([]);
  });

  it("an admin pages through the users (Back returns to the same page) and deletes one after confirming", async () => {
    // One user older than the admin, so that a third page exists however many users other tests made.
    await signUp("page-0");
    const admin = await signUpAdmin();
    const [first, second, third] = [await signUp("page-1"), await signUp("page-2"), await signUp("page-3")];
    const page = await signedInPage(admin);

    // Newest first, two a page.
    await page.goto("/admin?limit=2");
    await expect.poll(() => listedEmails(page), POLL).toEqual([third.email, second.email]);
    expect(await page.getByRole("button", { name: "Previous page" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Next page" }).click();
    await expect.poll(() => listedEmails(page), POLL).toEqual([first.email, admin.email]);
    expect(await page.locator("#users-caption").textContent()).toContain("page 2");
    await page.getByRole("button", { name: "Next page" }).click();
    await expect.poll(() => page.locator("#users-caption").textContent(), POLL).toContain("page 3");
    expect(await listedEmails(page)).not.toContain(first.email);
    await page.getByRole("button", { name: "Previous page" }).click();
    await expect.poll(() => listedEmails(page), POLL).toEqual([first.email, admin.email]);

    await page.getByRole("link", { name: first.email }).click();
    await page.getByRole("heading", { level: 1, name: first.email }).waitFor();
    await page.goBack();
    await expect.poll(() => listedEmails(page), POLL).toEqual([first.email, admin.email]);
    await page.getByRole("button", { name: "Previous page" }).click();
    await expect.poll(() => listedEmails(page), POLL).toEqual([third.email, second.email]);

    // The page size control.
    await page.getByLabel("Users per page").selectOption("10");
    await expect.poll(async () => (await listedEmails(page)).slice(0, 4), POLL).toEqual([third.email, second.email, first.email, admin.email]);

    await openUser(page, first.email);
    await page.getByRole("button", { name: `Delete ${first.email}` }).click();
    const dialog = page.getByRole("dialog", { name: `Delete ${first.email}?` });
    await dialog.getByRole("button", { name: `Delete ${first.email}` }).click();
    await page.waitForURL((url) => url.pathname === "/admin");
    await expect.poll(() => statusOf(page, "flash"), POLL).toBe(`${first.email} is deleted.`);
    expect((await signIn(first.email)).status).toBe(401);
    await searchUser(page, first.email);
    await expect.poll(() => statusOf(page, "users-status"), POLL).toBe(`No user has the email ${first.email}.`);
    expect(await page.locator("#users-table").isHidden()).toBe(true);

    // A deleted user's page says so.
    await page.goto(`/admin-user?id=${first.userId}`);
    await expect.poll(() => statusOf(page, "user-status"), POLL).toContain("No user has this id");
    expect(problems).toEqual([]);
  });

  it("an admin registers a confidential client, sees its secret once, and deletes it", async () => {
    const admin = await signUpAdmin();
    const page = await signedInPage(admin);
    await page.goto("/admin-clients");
    await page.getByRole("heading", { name: "Register a client" }).waitFor();
    const name = `Reports ${Date.now()}`;
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Redirect URIs", { exact: true }).fill("https://reports.example.com/callback");

    // The client credentials grant without "Confidential": said at once, nothing registered.
    await page.getByRole("checkbox", { name: /Client credentials grant/ }).check();
    await page.getByRole("button", { name: "Register the client" }).click();
    await expect.poll(() => statusOf(page, "create-error"), POLL).toContain("needs a confidential client");
    expect(await page.getByRole("row", { name: new RegExp(name) }).count()).toBe(0);

    await page.getByRole("checkbox", { name: /Confidential/ }).check();
    await page.getByRole("button", { name: "Register the client" }).click();
    const secretBox = page.getByRole("textbox", { name: "Client secret", exact: true });
    await secretBox.waitFor();
    await expect.poll(() => page.locator("#secret").textContent(), POLL).toContain("it will not be shown again");
    const clientId = await page.getByRole("textbox", { name: "Client ID", exact: true }).inputValue();
    const secret = await secretBox.inputValue();
    expect(secret.length).toBeGreaterThan(20);
    expect(await page.evaluate("document.activeElement.id")).toBe("secret-heading");
    const row = page.locator(`#clients-table tbody tr[data-client-id="${clientId}"]`);
    expect(await row.locator("td[data-label=Type]").textContent()).toBe("confidential");
    expect(await row.locator("td[data-label=Grants]").textContent()).toContain("client credentials");
    expect(await axeViolations(page)).toEqual([]);

    // The secret works: a machine token for the client.
    const tokenRequest = () =>
      fetch(`${suite.stack.baseUrl}/oauth2/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}` },
        body: "grant_type=client_credentials",
      });
    expect((await tokenRequest()).status).toBe(200);

    // Shown once: a reload has the client and no secret.
    await page.reload();
    await expect.poll(() => row.count(), POLL).toBe(1);
    expect(await page.locator("#secret").isHidden()).toBe(true);
    expect(await page.content()).not.toContain(secret);

    await page.getByRole("button", { name: `Delete ${name} (${clientId})` }).click();
    const dialog = page.getByRole("dialog", { name: `Delete the client ${name}?` });
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: `Delete ${name}` }).click();
    await expect.poll(() => row.count(), POLL).toBe(0);
    await expect.poll(() => statusOf(page, "clients-status"), POLL).toContain(`${name} (${clientId}) is deleted`);
    expect((await tokenRequest()).status).toBe(401);
    expect(problems).toEqual([]);
  });

  it("every admin page has no axe-core violations, and fits a 390 px phone", async () => {
    const admin = await signUpAdmin();
    const target = await signUp("axe");
    await api().post("/auth/signin", { email: target.email, password: "wrong password 1" });
    const created = await api().post(
      "/oauth2/clients",
      { name: "Long redirect client", type: "public", redirectUris: [`https://a-rather-long-host-name.example.com/${"callback/".repeat(8)}`] },
      { token: admin.accessToken },
    );
    expect(created.status, created.text).toBe(201);
    for (const viewport of [undefined, PHONE]) {
      const page = await signedInPage(admin, viewport ? { viewport } : {});
      for (const path of ["/admin", `/admin-user?id=${target.userId}`, "/admin-clients"]) {
        await page.goto(path);
        await expect.poll(() => page.locator("#console *").count(), POLL).toBeGreaterThan(0);
        await expect.poll(() => page.locator("[role=status]:text-is('Loading…')").count(), POLL).toBe(0);
        await page.locator("table tbody tr").first().waitFor();
        expect(await axeViolations(page), `${path} at ${viewport?.width ?? "desktop"}`).toEqual([]);
        if (viewport) expect(await overflow(page), path).toBeLessThanOrEqual(0);
      }
    }
    expect(problems).toEqual([]);
  });
});
