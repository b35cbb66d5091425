// Passkeys in a real Chromium against the real local stack, with the DevTools
// Protocol's virtual authenticator (ctap2, internal, resident keys, user
// verification: a platform authenticator whose user always verifies): a user
// adds a passkey on the security page, signs in with it and no password (a
// multi-factor session: amr hwk and mfa), by the button or the browser's
// autofill, renames and removes it; a user with an authenticator app answers
// the second step of a password signin with a passkey instead of a code.
// The app is at http://localhost:<port>, the RP ID is "localhost"
// (WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS default to APP_URL's).
//
// Chromium's virtual environment answers a conditional (autofill) request at
// once with the authenticator's credential while the authenticator simulates
// the user's presence, as a user picking the passkey in the autofill list
// would; with the simulation off, the request waits, as for a user who has
// not picked anything. The tests turn it off before the signin page loads
// where the autofill is not what they test.
//
// Any page error or unexpected console error fails the test; a failed test
// leaves screenshots in test-results/.
import type { CDPSession, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { authenticatorApp } from "../helpers/authenticator-app.js";
import { browserSuite, COUNT_PASSKEY_REQUESTS } from "../helpers/browser.js";

const PASSWORD = "amber kettle meadow 17";
// The machine may be loaded: what the page shows may take a while.
const POLL = { timeout: 10_000 };

const suite = browserSuite();
const { problems } = suite;

async function newPage(): Promise<Page> {
  const context = await suite.newContext();
  await context.addInitScript({ content: COUNT_PASSKEY_REQUESTS });
  return context.newPage();
}

interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  userHandle?: string;
  signCount: number;
}

interface Authenticator {
  credentials(): Promise<VirtualCredential[]>;
  /** Turns the simulated user presence on or off (off: a ceremony waits, as for a user who does nothing). */
  presence(enabled: boolean): Promise<void>;
}

/** The page's virtual authenticator: a platform authenticator with resident keys whose user verifies (presence and verification simulated). */
async function addAuthenticator(page: Page): Promise<Authenticator> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    credentials: async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials as VirtualCredential[],
    presence: async (enabled) => void (await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled })),
  };
}


/** The access token's claims, as stored by the app. */
async function storedClaims(page: Page): Promise<{ sub: string; amr?: string[] }> {
  const session = (await page.evaluate(`JSON.parse(localStorage.getItem("auth-session"))`)) as { accessToken: string } | null;
  expect(session).not.toBeNull();
  return JSON.parse(Buffer.from(session!.accessToken.split(".")[1]!, "base64url").toString("utf8"));
}

async function signUp(page: Page, email: string): Promise<void> {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL("**/profile");
}

async function signOut(page: Page): Promise<void> {
  await page.goto("/sessions");
  await page.getByRole("button", { name: "Sign out this device" }).click();
  await page.waitForURL("**/signin");
  await expect.poll(() => page.evaluate(`localStorage.getItem("auth-session")`), POLL).toBeNull();
}

/**
 * Signs out onto the signin page, whose passkey autofill then waits for a
 * user who picks nothing (see above); the authenticator is ready again for
 * the ceremony the test starts.
 */
async function signOutWithoutAutofill(page: Page, authenticator: Authenticator): Promise<void> {
  await authenticator.presence(false);
  const autofillOptions = page.waitForResponse((response) => new URL(response.url()).pathname === "/auth/passkeys/options");
  await signOut(page);
  expect((await autofillOptions).request().postDataJSON()).toEqual({});
  // Presence back only once the autofill's request waits: a request made after it would be answered at once.
  await expect.poll(() => page.evaluate("window.__passkeyRequests"), POLL).toBeGreaterThan(0);
  await authenticator.presence(true);
}

/** Requests to the passkey signin routes, as "METHOD /path STATUS". */
function watchPasskeySignin(page: Page): string[] {
  const seen: string[] = [];
  page.on("response", (response) => {
    const path = new URL(response.url()).pathname;
    if (path.startsWith("/auth/passkeys/")) seen.push(`${response.request().method()} ${path} ${response.status()}`);
  });
  return seen;
}

/** The first step of signin, with the password. */
async function submitPassword(page: Page, email: string): Promise<void> {
  await page.getByLabel("Email or username").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

async function expectSignedIn(page: Page, email: string): Promise<void> {
  await page.waitForURL("**/profile");
  await expect.poll(() => page.locator("#profile-email").textContent(), POLL).toBe(email);
}

/** The security page's passkey table: one row of cell texts per passkey. */
async function passkeyRows(page: Page): Promise<string[][]> {
  const rows: string[][] = [];
  for (const row of await page.locator("#passkey-table tbody tr").all()) rows.push((await row.locator("td").allTextContents()).slice(0, 4));
  return rows;
}

/** The focused element's `attribute`. */
const focused = (page: Page, attribute: string) => page.evaluate(`document.activeElement?.getAttribute(${JSON.stringify(attribute)})`);

async function openSecurity(page: Page): Promise<void> {
  await page.goto("/security");
  await expect.poll(() => page.locator("#passkeys-status").textContent(), POLL).toMatch(/passkey/);
}

/** Adds a passkey on the security page and answers its id (the credential id, base64url). */
async function addPasskey(page: Page, name: string): Promise<string> {
  const added = page.waitForResponse((response) => new URL(response.url()).pathname === "/users/me/passkeys" && response.request().method() === "POST");
  await page.getByLabel("Name (optional)").fill(name);
  await page.getByRole("button", { name: "Add a passkey" }).click();
  const response = await added;
  expect(response.status()).toBe(201);
  const { passkey } = (await response.json()) as { passkey: { id: string; name: string } };
  expect(passkey.name).toBe(name);
  await expect.poll(() => page.locator("#passkeys-status").textContent(), POLL).toContain(`${name} is added.`);
  return passkey.id;
}

describe("passkeys in the example web app, in Chromium's virtual authenticator", { timeout: 180_000 }, () => {
  it("adds a passkey, signs in with it and no password by the button, which replaces the waiting autofill (amr hwk, mfa), renames it, removes it; a removed passkey no longer signs in", async () => {
    const email = `passkey-browser-${Date.now()}@example.com`;
    const page = await newPage();
    const authenticator = await addAuthenticator(page);
    await signUp(page, email);
    const { sub } = await storedClaims(page);

    await openSecurity(page);
    expect(await page.locator("#passkeys-status").textContent()).toBe("You have no passkeys.");
    expect(await page.locator("#passkey-table").isVisible()).toBe(false);
    const id = await addPasskey(page, "Test laptop");

    // The authenticator holds one discoverable credential for localhost, of this user (the user handle is the user id), the one the API stored.
    const [credential, ...others] = await authenticator.credentials();
    expect(others).toEqual([]);
    expect(credential).toMatchObject({ isResidentCredential: true, rpId: "localhost" });
    expect(Buffer.from(credential!.credentialId, "base64").toString("base64url")).toBe(id);
    expect(Buffer.from(credential!.userHandle!, "base64").toString("utf8")).toBe(sub);
    const [row] = await passkeyRows(page);
    expect(row).toEqual(["Test laptop", expect.any(String), "Never", "No"]);
    expect(new Date(row![1]!).toString()).not.toBe("Invalid Date");

    // Sign in with the passkey alone: no email, no password. The button's ceremony replaces the autofill's, which was waiting.
    await signOutWithoutAutofill(page, authenticator);
    const signin = watchPasskeySignin(page);
    const verified = page.waitForResponse((response) => new URL(response.url()).pathname === "/auth/passkeys/verify");
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    expect((await verified).status()).toBe(200);
    await expectSignedIn(page, email);
    expect(signin).toEqual(["POST /auth/passkeys/options 200", "POST /auth/passkeys/verify 200"]);
    const claims = await storedClaims(page);
    expect(claims.sub).toBe(sub);
    // A user-verified passkey is a multi-factor session on its own.
    expect([...(claims.amr ?? [])].sort()).toEqual(["hwk", "mfa"]);

    // The list shows that it was used; rename it.
    await openSecurity(page);
    await expect.poll(async () => (await passkeyRows(page))[0]?.[2], POLL).not.toBe("Never");
    await page.getByRole("button", { name: "Rename Test laptop" }).click();
    const nameField = page.getByLabel("New name");
    expect(await nameField.inputValue()).toBe("Test laptop");
    expect(await focused(page, "id")).toBe("rename-name");
    await nameField.fill("Work laptop");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(async () => (await passkeyRows(page))[0]?.[0], POLL).toBe("Work laptop");
    expect(await page.locator("#rename-form").isVisible()).toBe(false);
    expect(await focused(page, "aria-label")).toBe("Rename Work laptop");

    // Remove it (the user still has a password): the list is empty.
    await page.getByRole("button", { name: "Remove Work laptop" }).click();
    await expect.poll(() => page.locator("#passkeys-status").textContent(), POLL).toBe("Work laptop is removed. You have no passkeys.");
    expect(await passkeyRows(page)).toEqual([]);

    // The authenticator still has the credential, but the API no longer knows it: 401 invalid_passkey, told on the page.
    await signOutWithoutAutofill(page, authenticator);
    const refused = page.waitForResponse((response) => new URL(response.url()).pathname === "/auth/passkeys/verify");
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    const refusal = await refused;
    expect(refusal.status()).toBe(401);
    expect(((await refusal.json()) as { code: string }).code).toBe("invalid_passkey");
    await expect.poll(() => page.locator("#signin-error").textContent(), POLL).toBe("The passkey could not be verified");
    expect(await page.evaluate(`localStorage.getItem("auth-session")`)).toBeNull();
    expect(await page.getByRole("button", { name: "Sign in with a passkey" }).isEnabled()).toBe(true);
    // The password still works.
    await submitPassword(page, email);
    await expectSignedIn(page, email);

    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("passkey autofill: the email field offers the passkey (conditional mediation), and picking it signs in", async () => {
    const email = `passkey-autofill-browser-${Date.now()}@example.com`;
    const page = await newPage();
    const authenticator = await addAuthenticator(page);
    await signUp(page, email);
    await openSecurity(page);
    await addPasskey(page, "Desktop");

    // The virtual authenticator answers the autofill's request as a user picking the passkey would: the page signs in by itself.
    const signin = watchPasskeySignin(page);
    await page.goto("/sessions");
    await page.getByRole("button", { name: "Sign out this device" }).click();
    await expectSignedIn(page, email);
    expect(signin).toEqual(["POST /auth/passkeys/options 200", "POST /auth/passkeys/verify 200"]);
    expect([...((await storedClaims(page)).amr ?? [])].sort()).toEqual(["hwk", "mfa"]);

    // The field the browser lists passkeys under (signed out: a signed-in visitor is sent on from /signin).
    await authenticator.presence(false);
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await page.goto("/signin");
    expect(await page.getByLabel("Email or username").getAttribute("autocomplete")).toBe("username webauthn");
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("a user with an authenticator app answers the second step with a passkey instead of a code, and removes the passkey in that session", async () => {
    const email = `passkey-mfa-browser-${Date.now()}@example.com`;
    const page = await newPage();
    const authenticator = await addAuthenticator(page);
    await signUp(page, email);

    // Set up the authenticator app on the security page.
    await openSecurity(page);
    await page.getByRole("button", { name: "Set up an authenticator app" }).click();
    const secretField = page.getByLabel("Secret key");
    await expect.poll(() => secretField.inputValue(), POLL).not.toBe("");
    const app = authenticatorApp(await secretField.inputValue());
    await page.getByLabel("Code", { exact: true }).fill(await app.freshCode());
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(() => page.locator("#totp-state").textContent(), POLL).toMatch(/^On/);

    // This session is the password alone: adding a passkey needs the second factor (403 mfa_required, told on the page).
    const refused = page.waitForResponse((response) => new URL(response.url()).pathname === "/users/me/passkeys/options");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    const refusal = await refused;
    expect(refusal.status()).toBe(403);
    expect(((await refusal.json()) as { code: string }).code).toBe("mfa_required");
    await expect.poll(() => page.locator("#add-passkey-error").textContent(), POLL).not.toBe("");

    // Signed in with password and code, the user adds a passkey.
    await signOutWithoutAutofill(page, authenticator);
    await submitPassword(page, email);
    await page.getByRole("button", { name: "Verify" }).waitFor();
    // The user has no passkey yet: the second step does not offer one.
    expect(await page.getByRole("button", { name: "Use a passkey instead" }).isVisible()).toBe(false);
    await page.getByLabel("Code", { exact: true }).fill(await app.freshCode());
    await page.getByRole("button", { name: "Verify" }).click();
    await expectSignedIn(page, email);
    await openSecurity(page);
    await addPasskey(page, "Phone");

    // A passkey does not by itself make signin skip the second step: the password still asks for it, and the passkey answers it.
    await signOutWithoutAutofill(page, authenticator);
    await submitPassword(page, email);
    await page.getByRole("button", { name: "Verify" }).waitFor();
    const step = page.waitForResponse((response) => new URL(response.url()).pathname === "/auth/passkeys/verify");
    await page.getByRole("button", { name: "Use a passkey instead" }).click();
    const answered = await step;
    expect(answered.status()).toBe(200);
    expect(answered.request().postDataJSON()).toHaveProperty("mfaToken");
    await expectSignedIn(page, email);
    expect([...((await storedClaims(page)).amr ?? [])].sort()).toEqual(["hwk", "mfa", "pwd"]);

    // The passkey's session is multi-factor: removing a passkey is allowed in it.
    await openSecurity(page);
    expect((await passkeyRows(page)).map((row) => row[0])).toEqual(["Phone"]);
    await page.getByRole("button", { name: "Remove Phone" }).click();
    await expect.poll(() => page.locator("#passkeys-status").textContent(), POLL).toBe("Phone is removed. You have no passkeys.");
    expect(await page.locator("#passkeys-error").textContent()).toBe("");

    // Without passkeys, the second step offers the code only.
    await signOutWithoutAutofill(page, authenticator);
    await submitPassword(page, email);
    await page.getByRole("button", { name: "Verify" }).waitFor();
    expect(await page.getByRole("button", { name: "Use a passkey instead" }).isVisible()).toBe(false);

    expect(problems, problems.join("\n")).toEqual([]);
  });
});
