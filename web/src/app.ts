/**
 * What every page shares: the client (the API's URL from /config.json, the
 * session in localStorage: see the README for why; the app is also the
 * OpenID client `web`), the navigation and the "signed in as" line (both
 * follow the session, in this tab and in the others), the notices (a
 * "session ended" notice survives to the next page, once), and what a page
 * that needs a session shows without one.
 *
 * Every page has the same header (copy it from web/public/profile.html):
 *
 *   <a class="skip-link" href="#main">Skip to content</a>
 *   <header>
 *     <nav aria-label="Main"><ul id="nav-links"></ul></nav>
 *     <p id="who" aria-live="polite"></p>
 *   </header>
 *   <div id="notice" role="alert"></div>
 *   <main id="main" tabindex="-1"><h1>…</h1> …</main>
 *
 * and starts with `const auth = await startApp(kind)`: "public" (anyone),
 * "guest" (sign-in and sign-up: a signed-in user is sent on), "protected"
 * (signed out, everything in <main> but the <h1> is hidden behind a sign-in
 * link) or "admin" (the same, and a user without the admin role is told so).
 */
import { AuthClient, localStorageStorage, memoryStorage, type StoredSession, type TokenStorage, type User } from "@lambda-auth-api/client";
import { describeError } from "./errors.js";
import { returnPath, signInUrl } from "./return-to.js";

export { describeError } from "./errors.js";
export { field, onSubmit } from "./forms.js";

interface AppConfig {
  apiUrl: string;
  /** The app's OAuth client id; `npm start` registers it as `web`, which a static build's config.json may leave out. */
  clientId?: string;
}

export type PageKind = "public" | "guest" | "protected" | "admin";

export const SESSION_ENDED_NOTICE = "Your session was ended on another device, or it expired. Please sign in again.";
export const SIGNED_OUT_NOTICE = "You are signed out.";

interface NavItem {
  href: string;
  text: string;
  show(user: User | null): boolean;
}

const signedOut = (user: User | null) => user === null;
const signedIn = (user: User | null) => user !== null;

/** The main navigation; "Sign out" follows it for a signed-in user. */
const NAV: NavItem[] = [
  { href: "/", text: "Home", show: signedOut },
  { href: "/signin", text: "Sign in", show: signedOut },
  { href: "/signup", text: "Sign up", show: signedOut },
  { href: "/messages", text: "Messages", show: signedIn },
  { href: "/profile", text: "Profile", show: signedIn },
  { href: "/sessions", text: "Sessions", show: signedIn },
  { href: "/security", text: "Security", show: signedIn },
  { href: "/activity", text: "Activity", show: signedIn },
  { href: "/password", text: "Change password", show: (user) => user?.hasPassword === true },
  { href: "/admin", text: "Admin", show: (user) => user?.roles.includes("admin") === true },
];

/** sessionStorage: the notice the next page shows, once. */
const NOTICE_KEY = "app-notice";

interface Notice {
  text: string;
  /** With a "Sign in" link (back to the page it was shown on). */
  signIn?: boolean;
}

let kind: PageKind = "public";
let client: AuthClient | undefined;
/** The page hid its content because no one is signed in (a session that appears then reloads it). */
let hiddenForSignedOut = false;
/** While a page replaces the session itself (a password change signs in again), a moment without one is no sign-out. */
let replacing = 0;

export async function startApp(pageKind: PageKind = "public"): Promise<AuthClient> {
  kind = pageKind;
  const config = (await (await fetch("/config.json")).json()) as AppConfig;
  const auth = new AuthClient({ baseUrl: config.apiUrl, storage: chooseTokenStorage(), clientId: config.clientId ?? "web" });
  client = auth;
  const session = await auth.getSession();
  if (kind === "guest" && session) {
    // Already signed in: on to where the sign-in would have gone. The page's script waits for the navigation.
    location.replace(returnPath());
    return new Promise<never>(() => {});
  }
  showKeptNotice();
  auth.onSessionEnded(() => {
    const notice = { text: SESSION_ENDED_NOTICE, signIn: kind !== "guest" };
    showNotice(notice.text, notice);
    keepNotice(notice);
  });
  auth.onSessionChange(sessionChanged);
  showSession(session);
  guardPage(session);
  return auth;
}

/** localStorage (see the README), or memory where the browser blocks storage (then every page load signs in anew). */
function chooseTokenStorage(): TokenStorage {
  try {
    const storage = localStorageStorage();
    storage.getItem("auth-session");
    return storage;
  } catch {
    return memoryStorage();
  }
}

function sessionChanged(session: StoredSession | null): void {
  showSession(session);
  if (session) forgetKeptNotice();
  if (replacing > 0) return;
  // Signed in meanwhile (in another tab, say): the page is drawn again for that user.
  if (session && hiddenForSignedOut) return location.reload();
  guardPage(session);
}

/** On a page that needs a session (or the admin role), hides its content when there is none. */
function guardPage(session: StoredSession | null): void {
  if (kind !== "protected" && kind !== "admin") return;
  if (!session) {
    hiddenForSignedOut = true;
    return hideContent("signed-out", ["You are not signed in. ", link("Sign in", signInUrl()), " to see this page."]);
  }
  if (kind === "admin" && !session.user.roles.includes("admin")) {
    hideContent("forbidden", ["This page is for admins, and your account does not have the admin role."]);
  }
}

/** Everything in <main> but its heading is hidden (by style.css, whatever the page's script shows later), and `content` said instead. */
function hideContent(state: "signed-out" | "forbidden", content: (string | Node)[]): void {
  document.body.dataset.auth = state;
  let block = document.getElementById("access");
  if (!block) {
    block = document.createElement("p");
    block.id = "access";
    const heading = document.querySelector("main h1");
    if (heading) heading.after(block);
    else document.querySelector("main")?.prepend(block);
  }
  block.replaceChildren(...content);
}

/** Runs `work`, which ends this session and starts a new one (a password change): the page stays as it is meanwhile. */
export async function replacingSession<T>(work: () => Promise<T>): Promise<T> {
  replacing += 1;
  try {
    return await work();
  } finally {
    replacing -= 1;
    if (replacing === 0) guardPage((await client?.getSession()) ?? null);
  }
}

function link(text: string, href: string): HTMLAnchorElement {
  const anchor = document.createElement("a");
  anchor.href = href;
  anchor.textContent = text;
  return anchor;
}

function showSession(session: StoredSession | null): void {
  element("who").textContent = session ? `Signed in as ${session.user.email}` : "Not signed in";
  renderNav(session?.user ?? null);
}

function isCurrent(href: string): boolean {
  const path = location.pathname.replace(/\.html$/, "");
  return href === "/" ? path === "/" || path === "/index" : path === href || path.startsWith(`${href}-`) || path.startsWith(`${href}/`);
}

function renderNav(user: User | null): void {
  const list = document.getElementById("nav-links");
  if (!list) return;
  const items = NAV.filter((item) => item.show(user)).map((item) => {
    // From a page that needs a session, signing in comes back to it.
    const comeBack = item.href === "/signin" && (kind === "protected" || kind === "admin");
    const anchor = link(item.text, comeBack ? signInUrl() : item.href);
    if (isCurrent(item.href)) anchor.setAttribute("aria-current", "page");
    const entry = document.createElement("li");
    entry.append(anchor);
    return entry;
  });
  if (user) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.id = "sign-out";
    button.textContent = "Sign out";
    button.addEventListener("click", () => void signOutHere(button));
    const entry = document.createElement("li");
    entry.append(button);
    items.push(entry);
  }
  list.replaceChildren(...items);
}

/** The nav's "Sign out": this session ends (the client forgets it even when the API cannot be reached), then the home page says so. */
async function signOutHere(button: HTMLButtonElement): Promise<void> {
  button.setAttribute("aria-disabled", "true");
  try {
    await client?.signOut();
  } catch (error) {
    button.removeAttribute("aria-disabled");
    if (await client?.getSession()) return showNotice(describeError(error));
  }
  keepNotice({ text: SIGNED_OUT_NOTICE });
  location.assign("/");
}

export function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from the page`);
  return found as T;
}

/** "You are not signed in. Sign in" (with a link back to this page) in `target`. */
export function showSignedOut(target: HTMLElement): void {
  target.replaceChildren("You are not signed in. ", link("Sign in", signInUrl()));
}

/** Says `text` in the page's notice (role="alert"), with a "Sign in" link back to this page when asked. */
export function showNotice(text: string, { signIn = false }: { signIn?: boolean } = {}): void {
  const notice = element("notice");
  notice.replaceChildren(text);
  if (signIn) notice.append(" ", link("Sign in", signInUrl()));
}

/** `notice` is shown by the next page this tab opens (once). */
export function keepNotice(notice: Notice): void {
  try {
    sessionStorage.setItem(NOTICE_KEY, JSON.stringify(notice));
  } catch {
    // Storage blocked: the notice is on this page only.
  }
}

function forgetKeptNotice(): void {
  try {
    sessionStorage.removeItem(NOTICE_KEY);
  } catch {
    // Storage blocked.
  }
}

function showKeptNotice(): void {
  let notice: Partial<Notice> | undefined;
  try {
    notice = JSON.parse(sessionStorage.getItem(NOTICE_KEY) ?? "null") as Partial<Notice> | undefined;
  } catch {
    notice = undefined;
  }
  forgetKeptNotice();
  if (notice && typeof notice.text === "string") showNotice(notice.text, { signIn: notice.signIn === true && kind !== "guest" });
}

/**
 * Runs `handler`, which ends by leaving the page (`location.assign`), on a
 * click: the button stays disabled from then on, so that a second click
 * cannot repeat what the first did; a failure is announced in `error`
 * (role="alert") and enables it again.
 */
export function onClickToLeave(button: HTMLButtonElement, error: HTMLElement, handler: () => Promise<void>): void {
  button.addEventListener("click", () => {
    error.textContent = "";
    button.disabled = true;
    handler().catch((caught: unknown) => {
      error.textContent = describeError(caught);
      button.disabled = false;
    });
  });
}

/**
 * The `token` of an emailed link (`#token=...`), removed from the address bar
 * and history at once, so that it is not left in the history, in a bookmark,
 * or on screen. Call it before anything else on the page.
 */
export function takeFragmentToken(): string | undefined {
  const token = new URLSearchParams(location.hash.slice(1)).get("token") ?? undefined;
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  return token || undefined;
}
