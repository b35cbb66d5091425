/**
 * Where the client keeps its session (access token, refresh token, expiry,
 * user) between calls. Pluggable: memory by default (gone with the page, seen
 * by no other tab), `localStorageStorage()` to survive reloads and share one
 * session between the tabs of an origin. See the README for what each means
 * when a script is injected into the page (XSS).
 */

export interface TokenStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
  /**
   * True when every tab of the origin sees the same items (localStorage).
   * The client then coordinates refreshes between tabs (Web Locks) and tells
   * the other tabs about changes (BroadcastChannel).
   */
  readonly shared: boolean;
}

/** The default: a Map in this page (or process) only. */
export function memoryStorage(): TokenStorage {
  const items = new Map<string, string>();
  return {
    shared: false,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

/** The subset of the Web Storage API this module needs (so that it compiles without the DOM types). */
export interface WebStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * The browser's `localStorage` (or another Web Storage object): the session
 * survives a reload and every tab of the origin shares it.
 */
export function localStorageStorage(webStorage?: WebStorage): TokenStorage {
  const target = webStorage ?? (globalThis as { localStorage?: WebStorage }).localStorage;
  if (!target) throw new Error("localStorage is not available here; use memoryStorage()");
  return {
    shared: true,
    getItem: (key) => target.getItem(key),
    setItem: (key, value) => target.setItem(key, value),
    removeItem: (key) => target.removeItem(key),
  };
}
