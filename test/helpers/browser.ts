// Chromium for the browser tests: Debian's `chromium` package (/usr/bin/chromium,
// installed by .ci/run), driven by playwright-core. No browser is downloaded.
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import axe from "axe-core";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { startStack, type Stack, type StackOptions } from "./stack.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/**
 * Chromium logs every 4xx answer to fetch as a console error ("Failed to load
 * resource: ..."). The app shows 401 and 403 answers on purpose (the
 * messages page, a wrong password); every other console error is a failure.
 */
const EXPECTED_NETWORK_LOG = /^Failed to load resource: the server responded with a status of 4\d\d\b/;

/** Records every uncaught page error and console error of the context's pages in `problems`. */
export function watchForPageErrors(context: BrowserContext, problems: string[]): void {
  context.on("page", (page: Page) => {
    page.on("pageerror", (error) => problems.push(`page error at ${page.url()}: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" && !EXPECTED_NETWORK_LOG.test(message.text())) {
        problems.push(`console error at ${page.url()}: ${message.text()}`);
      }
    });
  });
}

/** Saves a screenshot of every open page under test-results/ (for a failed test). */
export async function screenshotAll(contexts: BrowserContext[], testName: string): Promise<void> {
  const folder = join(root, "test-results", testName.replace(/[^\w-]+/g, "-").slice(0, 80));
  mkdirSync(folder, { recursive: true });
  let n = 0;
  for (const context of contexts) {
    for (const page of context.pages()) {
      n += 1;
      await page.screenshot({ path: join(folder, `page-${n}.png`), fullPage: true }).catch(() => undefined);
    }
  }
}

/**
 * One local stack and one Chromium for a test file (started before its tests,
 * stopped after them), and for each test the browser profiles it opened
 * (`newContext`: closed after the test, screenshotted when it failed) and the
 * page errors they saw (`problems`, emptied before each test).
 */
export function browserSuite(stackOptions: StackOptions = {}) {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(stackOptions), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });
  beforeEach(() => {
    problems.length = 0;
    contexts.length = 0;
  });
  afterEach(async ({ task }) => {
    if (task.result?.state === "fail") await screenshotAll(contexts, task.name);
    await Promise.all(contexts.map((context) => context.close()));
  });
  return {
    get stack(): Stack {
      return stack!;
    },
    get browser(): Browser {
      return browser!;
    },
    problems,
    /** A browser profile (a device) on the web app, its errors watched. */
    async newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
      const context = await browser!.newContext({ baseURL: stack!.appUrl, ...options });
      watchForPageErrors(context, problems);
      contexts.push(context);
      return context;
    },
  };
}

/** Counts, per document, the WebAuthn requests the page makes (`__passkeyRequests`), so a test can wait for the autofill's. */
export const COUNT_PASSKEY_REQUESTS = `
  window.__passkeyRequests = 0;
  if (navigator.credentials) {
    const get = navigator.credentials.get.bind(navigator.credentials);
    navigator.credentials.get = (options) => { window.__passkeyRequests += 1; return get(options); };
  }
`;

/**
 * Answers the browser's visits to a relying party at `redirectUri`'s origin
 * with a plain page: the test itself takes the code from the URL there.
 */
export async function answerAsRelyingParty(context: BrowserContext, redirectUri: string): Promise<void> {
  await context.route(`${new URL(redirectUri).origin}/**`, (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><title>Relying party</title><p>Back at the relying party</p>" }),
  );
}

/** One axe-core finding: the rule, its impact, and the elements (selectors) it found. */
export interface AxeFinding {
  id: string;
  impact: string | null | undefined;
  help: string;
  nodes: string[];
}

/**
 * axe-core's violations on the page as it is now (default rules, every impact
 * level). The page's CSP forbids inline scripts, so axe is evaluated through
 * the DevTools protocol (as page.evaluate is), not added as a <script>.
 */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate(`typeof window.axe === "object"`))) await page.evaluate(axe.source);
  const violations = (await page.evaluate(`window.axe.run(document).then((result) => result.violations)`)) as {
    id: string;
    impact?: string | null;
    help: string;
    nodes: { target: unknown[] }[];
  }[];
  return violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.map((node) => JSON.stringify(node.target)),
  }));
}

/** `npm run grant-role -- <email> <role>` against the stack's database, as an operator makes an admin. */
export async function grantRoleInStack(stack: Stack, email: string, role: string): Promise<void> {
  await promisify(execFile)("npm", ["run", "-s", "grant-role", "--", email, role], { cwd: root, env: { ...process.env, AUTH_DATA_DIR: stack.dataDir } });
}
