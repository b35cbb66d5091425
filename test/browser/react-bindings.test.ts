// The React bindings (@lambda-auth-api/client/react) in a real Chromium, in a
// tiny React app that imports them BY NAME. esbuild bundles the app with the
// `lambda-auth-api-source` condition (as the web app is built), so the names
// resolve through client/package.json's "exports" to the package's source;
// React is the development build, which logs its warnings, and the app runs
// in StrictMode, which mounts everything twice. The page is served from an
// origin of its own that the stack's CORS_ORIGINS lists (as in
// cors-origin.test.ts), and keeps its session in localStorage, shared by the
// tabs of a browser profile.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/local-dynamodb.mjs";
import { browserSuite } from "../helpers/browser.js";
import { client } from "../helpers/client.js";
import { jwtPayload, PASSWORD, uniqueEmail } from "../helpers/fixtures.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const origin = `http://localhost:${await freePort()}`;
const suite = browserSuite({ env: { CORS_ORIGINS: origin } });

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>React bindings</title></head>
<body><div id="root"></div><script type="module" src="/app.js"></script></body></html>`;

/**
 * The app: the status, the user's email, a sign-in form, a sign-out button, a
 * button that calls the API (GET /users/me, through authFetch), and one that
 * unmounts the AuthProvider. It records the statuses it rendered in
 * `__statuses` and counts the client listeners the bindings hold in `__listeners`.
 */
const APP = `
import { StrictMode, createElement as h, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { AuthClient, localStorageStorage } from "@lambda-auth-api/client";
import { AuthProvider, useAuthClient, useSession } from "@lambda-auth-api/client/react";

const auth = new AuthClient({ baseUrl: new URLSearchParams(location.search).get("api"), storage: localStorageStorage() });
window.__listeners = 0;
for (const method of ["onSessionChange", "onSessionEnded"]) {
  const listen = auth[method].bind(auth);
  auth[method] = (listener) => {
    window.__listeners += 1;
    const stop = listen(listener);
    return () => { window.__listeners -= 1; stop(); };
  };
}
window.__statuses = [];

function SignInForm() {
  const auth = useAuthClient();
  const [error, setError] = useState("");
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      await auth.signIn({ email: form.get("email"), password: form.get("password") });
    } catch (failure) {
      setError(failure.code);
    }
  };
  return h("form", { onSubmit: submit, "aria-label": "Sign in" },
    h("label", null, "Email ", h("input", { name: "email", type: "email", autoComplete: "username" })),
    h("label", null, "Password ", h("input", { name: "password", type: "password", autoComplete: "current-password" })),
    h("button", { type: "submit" }, "Sign in"),
    error ? h("p", { role: "alert" }, error) : null);
}

function Account({ user }) {
  const auth = useAuthClient();
  const [profile, setProfile] = useState("");
  const loadProfile = () => auth.me.get().then(({ user }) => setProfile(user.email), (failure) => setProfile(failure.name));
  return h("section", null,
    h("p", { "data-testid": "email" }, user.email),
    h("button", { onClick: loadProfile }, "Load profile"),
    h("output", { "data-testid": "profile" }, profile),
    h("button", { onClick: () => auth.signOut() }, "Sign out"));
}

function App() {
  const { status, user } = useSession();
  useEffect(() => {
    if (window.__statuses.at(-1) !== status) window.__statuses.push(status);
  }, [status]);
  return h("main", null,
    h("p", { "data-testid": "status" }, status),
    status === "signed-in" ? h(Account, { user }) : status === "signed-out" ? h(SignInForm) : null);
}

function Root() {
  const [mounted, setMounted] = useState(true);
  return h("div", null,
    h("button", { onClick: () => setMounted(false) }, "Unmount"),
    mounted ? h(AuthProvider, { client: auth }, h(App)) : h("p", null, "unmounted"));
}

createRoot(document.getElementById("root")).render(h(StrictMode, null, h(Root)));
`;

let script: string;
let server: Server;
/** Console warnings (React logs some of its warnings so); errors are the suite's `problems`. */
const warnings: string[] = [];
let api: ReturnType<typeof client>;

beforeAll(async () => {
  const bundled = await build({
    stdin: { contents: APP, resolveDir: root, sourcefile: "react-app.js", loader: "js" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["lambda-auth-api-source"],
    define: { "process.env.NODE_ENV": '"development"' },
    logLevel: "warning",
  });
  script = bundled.outputFiles[0]!.text;
  server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", origin).pathname;
    if (path === "/") return void response.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    if (path === "/app.js") return void response.writeHead(200, { "content-type": "text/javascript" }).end(script);
    response.writeHead(404).end();
  });
  server.listen(Number(new URL(origin).port), "localhost");
  await once(server, "listening");
  api = client(suite.stack.baseUrl);
});
afterAll(() => {
  server?.closeAllConnections();
  server?.close();
});
beforeEach(() => {
  warnings.length = 0;
});

/** A browser profile on the app's origin, its console warnings recorded too. */
async function profile(): Promise<BrowserContext> {
  const context = await suite.newContext({ baseURL: origin });
  context.on("page", (page) => page.on("console", (message) => void (message.type() === "warning" && warnings.push(message.text()))));
  return context;
}

async function openApp(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`/?api=${encodeURIComponent(suite.stack.baseUrl)}`);
  return page;
}

const status = (page: Page) => page.getByTestId("status");

/** A new user, signed up through the API. */
async function newUser(label: string): Promise<string> {
  const email = uniqueEmail(label);
  const signup = await api.post("/auth/signup", { email, password: PASSWORD });
  expect(signup.status, signup.text).toBe(201);
  return email;
}

async function signInThroughForm(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** The app in a new tab of `context`, signed in through its form. */
async function signedInApp(context: BrowserContext, email: string): Promise<Page> {
  const page = await openApp(context);
  await expect.poll(() => status(page).textContent()).toBe("signed-out");
  await signInThroughForm(page, email);
  await expect.poll(() => status(page).textContent()).toBe("signed-in");
  return page;
}

function expectNoConsoleTrouble(): void {
  expect(suite.problems).toEqual([]);
  expect(warnings).toEqual([]);
}

describe("the React bindings", () => {
  it("report loading, then signed out; a refused signin leaves them signed out; a signin shows the user", async () => {
    const email = await newUser("react");
    const page = await openApp(await profile());
    await expect.poll(() => status(page).textContent()).toBe("signed-out");
    // The first render could not know the session yet: the stored one is read asynchronously.
    expect(await page.evaluate("window.__statuses")).toEqual(["loading", "signed-out"]);

    await signInThroughForm(page, email, `${PASSWORD}!`);
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("invalid_credentials");
    expect(await status(page).textContent()).toBe("signed-out");

    await signInThroughForm(page, email);
    await expect.poll(() => status(page).textContent()).toBe("signed-in");
    expect(await page.getByTestId("email").textContent()).toBe(email);
    expect(await page.evaluate("window.__statuses")).toEqual(["loading", "signed-out", "signed-in"]);
    // The bindings' API calls work with the session the hook shows.
    await page.getByRole("button", { name: "Load profile" }).click();
    await expect.poll(() => page.getByTestId("profile").textContent()).toBe(email);
    expectNoConsoleTrouble();
  });

  it("follow the other tabs: a signout in one shows in the other, and so does a signin", async () => {
    const email = await newUser("react-tabs");
    const context = await profile();
    const first = await signedInApp(context, email);

    // A second tab of the same profile starts signed in, from the shared storage.
    const second = await openApp(context);
    await expect.poll(() => status(second).textContent()).toBe("signed-in");
    expect(await second.getByTestId("email").textContent()).toBe(email);

    await second.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => status(second).textContent()).toBe("signed-out");
    await expect.poll(() => status(first).textContent()).toBe("signed-out");
    expect(await first.evaluate("window.__statuses")).toEqual(["loading", "signed-out", "signed-in", "signed-out"]);

    await signInThroughForm(second, email);
    await expect.poll(() => status(first).textContent()).toBe("signed-in");
    expect(await first.getByTestId("email").textContent()).toBe(email);
    expectNoConsoleTrouble();
  });

  it("report signed out once the API refuses a session that was ended from another session", async () => {
    const email = await newUser("react-ended");
    const context = await profile();
    const page = await signedInApp(context, email);
    const other = await openApp(context);
    await expect.poll(() => status(other).textContent()).toBe("signed-in");

    // Another device of the user ends this browser's session.
    const stored = JSON.parse((await page.evaluate(`localStorage.getItem("auth-session")`)) as string);
    const sid = jwtPayload(stored.accessToken).sid as string;
    const elsewhere = await api.post("/auth/signin", { email, password: PASSWORD });
    expect(elsewhere.status, elsewhere.text).toBe(200);
    const ended = await api.delete(`/users/me/sessions/${encodeURIComponent(sid)}`, undefined, { token: elsewhere.body.accessToken });
    expect(ended.status, ended.text).toBe(204);
    // Nothing has told the page yet: it learns on its next call to the API.
    expect(await status(page).textContent()).toBe("signed-in");

    await page.getByRole("button", { name: "Load profile" }).click();
    await expect.poll(() => status(page).textContent()).toBe("signed-out");
    await expect.poll(() => status(other).textContent()).toBe("signed-out");
    expect(await page.evaluate(`localStorage.getItem("auth-session")`)).toBeNull();
    expectNoConsoleTrouble();
  });

  it("let go of the client when the provider unmounts", async () => {
    const email = await newUser("react-unmount");
    const context = await profile();
    const page = await signedInApp(context, email);
    // One session listener and one ended listener, StrictMode's extra mount undone.
    expect(await page.evaluate("window.__listeners")).toBe(2);

    await page.getByRole("button", { name: "Unmount" }).click();
    await expect.poll(() => page.evaluate("window.__listeners")).toBe(0);
    // A change the client hears afterwards (a signout in another tab) reaches no unmounted component.
    const other = await openApp(context);
    await expect.poll(() => status(other).textContent()).toBe("signed-in");
    await other.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => status(other).textContent()).toBe("signed-out");
    expect(await page.getByText("unmounted").count()).toBe(1);
    expectNoConsoleTrouble();
  });
});
