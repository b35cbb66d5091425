/**
 * What every page shares: the client (the API's URL from /config.json, the
 * session in localStorage: see the README for why; the app is also the
 * OpenID client `web`), the "signed in as" line,
 * the notice when the session was ended elsewhere, and form handling with
 * errors announced to screen readers (role="alert").
 */
import {
  AuthApiError,
  AuthClient,
  AuthorizationError,
  localStorageStorage,
  memoryStorage,
  TooManyRequestsError,
  type StoredSession,
  type TokenStorage,
} from "../../client/src/index.js";

interface AppConfig {
  apiUrl: string;
  /** The app's OAuth client id; `npm start` registers it as `web`, which a static build's config.json may leave out. */
  clientId?: string;
}

export const SESSION_ENDED_NOTICE = "Your session was ended on another device, or it expired. Please sign in again.";

export async function startApp(): Promise<AuthClient> {
  const config = (await (await fetch("/config.json")).json()) as AppConfig;
  const auth = new AuthClient({ baseUrl: config.apiUrl, storage: chooseTokenStorage(), clientId: config.clientId ?? "web" });
  auth.onSessionEnded(() => showNotice(SESSION_ENDED_NOTICE));
  auth.onSessionChange(showWho);
  showWho(await auth.getSession());
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

export function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from the page`);
  return found as T;
}

/** "You are not signed in. Sign in" (with a link) in `target`. */
export function showSignedOut(target: HTMLElement): void {
  const link = document.createElement("a");
  link.href = "/signin";
  link.textContent = "Sign in";
  target.replaceChildren("You are not signed in. ", link);
}

export function showNotice(text: string): void {
  element("notice").textContent = text;
}

function showWho(session: StoredSession | null): void {
  element("who").textContent = session ? `Signed in as ${session.user.email}` : "Not signed in";
}

/** A sentence for the user; never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof TooManyRequestsError) {
    return `${error.message}. Try again in ${error.retryAfter ?? "a few"} seconds.`;
  }
  if (error instanceof AuthApiError) return error.message;
  if (error instanceof AuthorizationError) {
    return error.code === "access_denied" ? "The sign-in was cancelled." : "The sign-in could not be completed. Please sign in again.";
  }
  if (error instanceof TypeError) return "The server could not be reached. Check your connection and try again.";
  return "Something went wrong. Please try again.";
}

/**
 * Runs `handler` on submit with the button disabled; failures are announced in
 * the form's role="alert" element, in the words of `describe`.
 */
export function onSubmit(form: HTMLFormElement, handler: (data: FormData) => Promise<void>, describe: (error: unknown) => string = describeError): void {
  const error = form.querySelector<HTMLElement>("[role=alert]");
  const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (error) error.textContent = "";
    if (button) button.disabled = true;
    handler(new FormData(form))
      .catch((caught: unknown) => {
        if (error) error.textContent = describe(caught);
      })
      .finally(() => {
        if (button) button.disabled = false;
      });
  });
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

export function field(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === "string" ? value.trim() : "";
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
