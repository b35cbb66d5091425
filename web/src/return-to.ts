/**
 * Where to go after signing in: `?next=` of the sign-in page (a protected
 * page sends a signed-out user to `/signin?next=/sessions`). Only a path of
 * this app is taken: `//evil.example`, `/\evil.example`, `https://...`,
 * `javascript:` and anything else that would leave the origin are refused
 * (an open redirect would let a phishing link use this app's sign-in page).
 */
const FALLBACK = "/profile";
/** Pages that make no sense to come back to once signed in. */
const NOT_AFTER_SIGNIN = new Set(["/signin", "/signup", "/callback", "/authorize"]);
/** Kept across a redirect sign-in (the hosted page or an outside provider, and back at /callback). */
const PENDING_KEY = "app-return-to";

/** `next` as a same-origin path (with its query and fragment), or undefined when it is anything else. */
export function safeReturnPath(next: string | null | undefined, origin: string): string | undefined {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return undefined;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return undefined;
  }
  // The URL parser drops tabs and newlines and reads "\" as "/": judge what it made of it.
  if (url.origin !== origin || NOT_AFTER_SIGNIN.has(url.pathname)) return undefined;
  return url.pathname + url.search + url.hash;
}

/** Where this sign-in page should send the user once signed in. */
export function returnPath(): string {
  return safeReturnPath(new URLSearchParams(location.search).get("next"), location.origin) ?? FALLBACK;
}

/** The sign-in page's URL that comes back to `path` (default: this page). */
export function signInUrl(path = location.pathname + location.search): string {
  const next = safeReturnPath(path, location.origin);
  return next ? `/signin?next=${encodeURIComponent(next)}` : "/signin";
}

/** Before leaving for a redirect sign-in: /callback comes back to `returnPath()`. */
export function keepReturnPath(): void {
  try {
    sessionStorage.setItem(PENDING_KEY, returnPath());
  } catch {
    // Storage blocked: /callback goes to the profile.
  }
}

/** At /callback: the path kept by `keepReturnPath` (checked again), once. */
export function takeKeptReturnPath(): string {
  let kept: string | null = null;
  try {
    kept = sessionStorage.getItem(PENDING_KEY);
    sessionStorage.removeItem(PENDING_KEY);
  } catch {
    // Storage blocked.
  }
  return safeReturnPath(kept, location.origin) ?? FALLBACK;
}
