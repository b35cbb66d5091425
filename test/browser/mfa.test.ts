// The second factor in a real Chromium against the real local stack: a user
// sets up an authenticator app on the security page (the test reads the
// secret key from the page and computes the codes, as the app would; the QR
// code is drawn in the page, from nothing outside), keeps the recovery codes,
// signs in with the second step (a TOTP code, then a recovery code), gets new
// recovery codes and turns the app off. Any page error or unexpected console
// error fails the test; a failed test leaves screenshots in test-results/.
import { readFileSync } from "node:fs";
import type { BrowserContext, Page } from "playwright-core";
import { create as createQrCode } from "qrcode";
import { describe, expect, it } from "vitest";
import { authenticatorApp } from "../helpers/authenticator-app.js";
import { browserSuite } from "../helpers/browser.js";

const PASSWORD = "violet tractor lantern 42";
// The machine may be loaded: what the page shows may take a while.
const POLL = { timeout: 10_000 };

const suite = browserSuite();
const { problems } = suite;

async function newContext(): Promise<BrowserContext> {
  return suite.newContext({ acceptDownloads: true });
}


/** A 6-digit code that is not the current one (nor, but for a one-in-a-million chance, of the steps beside it). */
function wrongCode(code: string): string {
  return String((Number(code) + 500_000) % 1_000_000).padStart(6, "0");
}

/** The access token's claims, as stored by the app. */
async function storedClaims(page: Page): Promise<{ amr?: string[] }> {
  const session = (await page.evaluate(`JSON.parse(localStorage.getItem("auth-session"))`)) as { accessToken: string } | null;
  expect(session).not.toBeNull();
  return JSON.parse(Buffer.from(session!.accessToken.split(".")[1]!, "base64url").toString("utf8"));
}

/** The QR code's modules as the page drew them: dark or light at the centre of each module. */
async function drawnModules(page: Page, size: number, margin: number): Promise<boolean[][]> {
  return (await page.evaluate(`(() => {
    const canvas = document.getElementById("totp-qr");
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const total = ${size} + 2 * ${margin};
    const px = canvas.width / total;
    const rows = [];
    for (let r = 0; r < ${size}; r += 1) {
      const row = [];
      for (let c = 0; c < ${size}; c += 1) {
        const x = Math.floor((${margin} + c + 0.5) * px), y = Math.floor((${margin} + r + 0.5) * px);
        row.push(pixels[(y * canvas.width + x) * 4] < 128);
      }
      rows.push(row);
    }
    return rows;
  })()`)) as boolean[][];
}

async function signOut(page: Page): Promise<void> {
  await page.goto("/sessions");
  await page.getByRole("button", { name: "Sign out this device" }).click();
  await page.waitForURL("**/signin");
}

/** The first step of signin; the page then asks for the code. */
async function signInWithPassword(page: Page, email: string): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Email or username").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("button", { name: "Verify" }).waitFor();
}

async function expectSignedIn(page: Page, email: string): Promise<void> {
  await page.waitForURL("**/profile");
  await expect.poll(() => page.locator("#profile-email").textContent(), POLL).toBe(email);
  // A multi-factor session: a password and a one-time code.
  expect((await storedClaims(page)).amr).toEqual(expect.arrayContaining(["pwd", "otp", "mfa"]));
}

describe("the second factor in the example web app, in Chromium", { timeout: 180_000 }, () => {
  it("sets up an authenticator app, signs in with a TOTP code and with a recovery code, gets new codes, turns it off", async () => {
    const email = `mfa-browser-${Date.now()}@example.com`;
    const context = await newContext();
    const requested: string[] = [];
    context.on("request", (request) => void requested.push(request.url()));
    const page = await context.newPage();

    await page.goto("/signup");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.waitForURL("**/profile");

    // Set up: the QR code is drawn in the page from the otpauth URI the API answered; the secret key is shown as text.
    await page.getByRole("link", { name: "Security" }).click();
    await page.waitForURL("**/security");
    await expect.poll(() => page.locator("#totp-state").textContent(), POLL).toMatch(/^Off/);
    const enrolled = page.waitForResponse((response) => response.url().endsWith("/users/me/mfa/totp") && response.request().method() === "POST");
    await page.getByRole("button", { name: "Set up an authenticator app" }).click();
    const enrollment = (await (await enrolled).json()) as { secret: string; otpauthUri: string };
    const secretField = page.getByLabel("Secret key");
    await expect.poll(() => secretField.inputValue(), POLL).not.toBe("");
    const secret = await secretField.inputValue();
    expect(secret).toBe(enrollment.secret);
    expect(new URL(enrollment.otpauthUri).searchParams.get("secret")).toBe(secret);
    const qr = createQrCode(enrollment.otpauthUri, { errorCorrectionLevel: "M" });
    const expected = Array.from({ length: qr.modules.size }, (_, r) => Array.from({ length: qr.modules.size }, (_, c) => Boolean(qr.modules.get(r, c))));
    expect(await drawnModules(page, qr.modules.size, 2)).toEqual(expected);
    expect(await page.getByRole("img", { name: /QR code/ }).count()).toBe(1);

    // Confirm with a current code: the 10 recovery codes, once, with a download.
    const app = authenticatorApp(secret);
    await page.getByLabel("Code", { exact: true }).fill(await app.freshCode());
    await page.getByRole("button", { name: "Confirm" }).click();
    const codeItems = page.locator("#codes-list li");
    await expect.poll(() => codeItems.count(), POLL).toBe(10);
    const recoveryCodes = await codeItems.allTextContents();
    expect(new Set(recoveryCodes).size).toBe(10);
    await expect.poll(() => page.locator("#totp-state").textContent(), POLL).toMatch(/^On/);
    expect(await page.locator("#codes-remaining").textContent()).toBe("10 recovery codes left.");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download" }).click()]);
    expect(download.suggestedFilename()).toBe("recovery-codes.txt");
    const downloaded = readFileSync(await download.path(), "utf8");
    for (const code of recoveryCodes) expect(downloaded).toContain(code);

    // Signin now takes a second step: a wrong code is refused, the app's current code signs in.
    await signOut(page);
    await signInWithPassword(page, email);
    expect(await page.evaluate(`localStorage.getItem("auth-session")`)).toBeNull();
    const code = await app.freshCode();
    await page.getByLabel("Code", { exact: true }).fill(wrongCode(code));
    await page.getByRole("button", { name: "Verify" }).click();
    await expect.poll(() => page.locator("#mfa-error").textContent(), POLL).not.toBe("");
    await page.getByLabel("Code", { exact: true }).fill(code);
    await page.getByRole("button", { name: "Verify" }).click();
    await expectSignedIn(page, email);

    // Or a recovery code instead, which is then used up.
    await signOut(page);
    await signInWithPassword(page, email);
    await page.getByRole("button", { name: "Use a recovery code instead" }).click();
    await page.getByLabel("Recovery code").fill(recoveryCodes[0]!);
    await page.getByRole("button", { name: "Verify" }).click();
    await expectSignedIn(page, email);
    await page.goto("/security");
    await expect.poll(() => page.locator("#codes-remaining").textContent(), POLL).toBe("9 recovery codes left.");

    // New recovery codes (with a code): the old ones are replaced.
    await page.locator("#regenerate-form").getByLabel("Current code").fill(recoveryCodes[1]!);
    await page.getByRole("button", { name: "Get new recovery codes" }).click();
    await expect.poll(() => page.locator("#codes-heading").textContent(), POLL).toBe("Your new recovery codes");
    const newCodes = await codeItems.allTextContents();
    expect(newCodes).toHaveLength(10);
    expect(newCodes.filter((fresh) => recoveryCodes.includes(fresh))).toEqual([]);
    await expect.poll(() => page.locator("#codes-remaining").textContent(), POLL).toBe("10 recovery codes left.");

    // Turn the app off (with a code): signin asks for the password alone again.
    await page.locator("#remove-form").getByLabel("Current code").fill(newCodes[0]!);
    await page.getByRole("button", { name: "Turn off" }).click();
    await expect.poll(() => page.locator("#totp-state").textContent(), POLL).toMatch(/^Off/);
    expect(await page.getByRole("button", { name: "Set up an authenticator app" }).isVisible()).toBe(true);
    await signOut(page);
    await page.getByLabel("Email or username").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL("**/profile");

    // Nothing was loaded from anywhere but the app and the API (the QR code included).
    const allowed = [new URL(suite.stack.appUrl).origin, new URL(suite.stack.baseUrl).origin];
    expect(requested.filter((url) => !url.startsWith("blob:") && !allowed.includes(new URL(url).origin))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
