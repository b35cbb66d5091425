// authFetch: the access token attached, refreshed ahead of expiry, one refresh
// shared by concurrent callers (in a page, and across tabs that share the
// storage), one retry after a curable 401, and a refused refresh surfacing as
// a session ended elsewhere.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AuthClient, localStorageStorage, ServiceUnavailableError, SessionEndedError, UnauthorizedError, type Session, type SigninResult, type WebStorage } from "../../client/src/index.js";
import { startFakeApi, type FakeApi } from "../helpers/fake-api.js";

/** The session of a signin that needed no second step. */
async function signedIn(signin: Promise<SigninResult>): Promise<Session> {
  const result = await signin;
  if (result.status !== "signed-in") throw new Error(`expected a session, got ${result.status}`);
  return result.session;
}

let api: FakeApi;
beforeAll(async () => void (api = await startFakeApi()));
afterAll(() => api.close());
beforeEach(() => {
  api.requests.length = 0;
  api.expiresIn = 900;
  api.refreshDelayMs = 0;
  api.refreshStatus = undefined;
  api.protectedStatus = undefined;
});
afterEach(() => vi.useRealTimers());

const credentials = { email: "ada@example.com", password: "correct horse battery" };

function webStorage(): WebStorage {
  const items = new Map<string, string>();
  return { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value), removeItem: (key) => void items.delete(key) };
}

/** Moves this process's clock (Date only; timers and I/O stay real). */
function advanceClock(seconds: number) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() + seconds * 1000);
}

/**
 * A stand-in for the browser's Web Locks (`navigator.locks`), which Node 20
 * lacks: one FIFO queue per name, a wait that an AbortSignal ends. It stands
 * for the lock between tabs in these in-process tests; the browser tests use
 * Chromium's real one.
 */
function installStandInLocks() {
  const tails = new Map<string, Promise<void>>();
  const locks = {
    async request<T>(name: string, options: { signal?: AbortSignal }, callback: () => Promise<T>): Promise<T> {
      const previous = tails.get(name) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      tails.set(name, previous.then(() => mine));
      try {
        await new Promise<void>((resolve, reject) => {
          options.signal?.addEventListener("abort", () => reject(options.signal!.reason), { once: true });
          void previous.then(resolve);
        });
      } catch (error) {
        release();
        throw error;
      }
      try {
        return await callback();
      } finally {
        release();
      }
    },
  };
  Object.defineProperty(globalThis, "navigator", { value: { locks }, configurable: true, writable: true });
  return locks;
}

describe("authFetch and refresh", () => {
  it("attaches the access token and does not refresh a token far from expiry", async () => {
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    await auth.signIn(credentials);
    const response = await auth.authFetch("/messages/protected");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ text: "This is a protected message." });
    expect(api.count("POST /auth/refresh")).toBe(0);
  });

  it("refreshes ahead of expiry: 30 s before it, not earlier", async () => {
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    api.expiresIn = 600;
    const first = await signedIn(auth.signIn(credentials));
    advanceClock(600 - 31);
    await auth.messages.protected();
    expect(api.count("POST /auth/refresh")).toBe(0);
    advanceClock(2);
    await auth.messages.protected();
    expect(api.count("POST /auth/refresh")).toBe(1);
    expect((await auth.getSession())?.refreshToken).not.toBe(first.refreshToken);
  });

  it("a short-lived token is refreshed in the last quarter of its life, not for its whole life", async () => {
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    api.expiresIn = 8;
    await auth.signIn(credentials);
    advanceClock(5);
    await auth.messages.protected();
    expect(api.count("POST /auth/refresh")).toBe(0);
    advanceClock(1.5);
    await auth.messages.protected();
    expect(api.count("POST /auth/refresh")).toBe(1);
  });

  it("ten concurrent calls with an expiring token share one refresh", async () => {
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    await auth.signIn(credentials);
    api.refreshDelayMs = 100;
    advanceClock(900);
    const statuses = await Promise.all(Array.from({ length: 10 }, () => auth.authFetch("/messages/protected").then((r) => r.status)));
    expect(statuses).toEqual(Array(10).fill(200));
    expect(api.count("POST /auth/refresh")).toBe(1);
  });

  it("retries once after a 401 that a refresh cures (a token the API stopped accepting early)", async () => {
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    await auth.signIn(credentials);
    api.rejectIssuedAccessTokens();
    expect((await auth.messages.protected()).text).toBe("This is a protected message.");
    expect(api.count("GET /messages/protected")).toBe(2);
    expect(api.count("POST /auth/refresh")).toBe(1);
  });

  it("answers a 401 that persists after the refresh instead of retrying again", async () => {
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    await auth.signIn(credentials);
    api.protectedStatus = 401;
    const response = await auth.authFetch("/messages/protected");
    expect(response.status).toBe(401);
    expect(api.count("GET /messages/protected")).toBe(2);
    expect(api.count("POST /auth/refresh")).toBe(1);
  });

  it("a wrong current password (401 from a route that checks it) is neither retried nor followed by a refresh", async () => {
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    await auth.signIn(credentials);
    const error = await auth.account.changePassword({ currentPassword: "wrong", newPassword: "new password 1" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).not.toBeInstanceOf(SessionEndedError);
    expect(api.count("POST /auth/password")).toBe(1);
    expect(api.count("POST /auth/refresh")).toBe(0);
    expect(await auth.getSession()).not.toBeNull();
  });

  it("does not refresh after a 403: a missing role is not cured by a new token", async () => {
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    await auth.signIn(credentials);
    api.protectedStatus = 403;
    expect((await auth.authFetch("/messages/protected")).status).toBe(403);
    expect(api.count("POST /auth/refresh")).toBe(0);
  });

  it("a refused refresh means the session ended elsewhere: SessionEndedError, onSessionEnded once, session forgotten", async () => {
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    await auth.signIn(credentials);
    const ended = vi.fn();
    auth.onSessionEnded(ended);
    api.endSession();
    await expect(auth.messages.protected()).rejects.toBeInstanceOf(SessionEndedError);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(await auth.getSession()).toBeNull();
    await expect(auth.authFetch("/messages/protected")).rejects.toBeInstanceOf(SessionEndedError);
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it("a refresh that fails for another reason (503) keeps the session for a later try", async () => {
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    const session = await signedIn(auth.signIn(credentials));
    api.refreshStatus = 503;
    await expect(auth.refresh()).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect((await auth.getSession())?.refreshToken).toBe(session.refreshToken);
    api.refreshStatus = undefined;
    await auth.refresh();
    expect((await auth.getSession())?.refreshToken).not.toBe(session.refreshToken);
  });

  it("this client's own signOut is not reported as a session ended elsewhere", async () => {
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    await auth.signIn(credentials);
    const ended = vi.fn();
    const changed = vi.fn();
    auth.onSessionEnded(ended);
    auth.onSessionChange(changed);
    await auth.signOut();
    expect(ended).not.toHaveBeenCalled();
    expect(changed).toHaveBeenLastCalledWith(null);
  });

  it("without a session, calls that need one throw SessionEndedError without a request", async () => {
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    await expect(auth.me.get()).rejects.toBeInstanceOf(SessionEndedError);
    expect(api.requests).toEqual([]);
  });
});

describe("tabs that share the session (shared storage)", () => {
  afterEach(() => void Reflect.deleteProperty(globalThis, "navigator"));

  it("two tabs refreshing at once: the one that waited for the lock re-reads the storage and uses the other's refresh", async () => {
    installStandInLocks();
    const storage = webStorage();
    const tabA = new AuthClient({ baseUrl: api.baseUrl, storage: localStorageStorage(storage) });
    const tabB = new AuthClient({ baseUrl: api.baseUrl, storage: localStorageStorage(storage) });
    await tabA.signIn(credentials);
    api.refreshDelayMs = 100;
    advanceClock(900);
    const [a, b] = await Promise.all([tabA.messages.protected(), tabB.messages.protected()]);
    expect([a.text, b.text]).toEqual(["This is a protected message.", "This is a protected message."]);
    expect(api.count("POST /auth/refresh")).toBe(1);
    tabA.close();
    tabB.close();
  });

  it("a lock held too long is not waited for: the tab refreshes on its own after the timeout", async () => {
    const locks = installStandInLocks();
    void locks.request("auth-refresh:auth-session", {}, () => new Promise(() => {}));
    const auth = new AuthClient({ baseUrl: api.baseUrl, storage: localStorageStorage(webStorage()), lockTimeoutMs: 50 });
    await auth.signIn(credentials);
    advanceClock(900);
    expect((await auth.messages.protected()).text).toBe("This is a protected message.");
    expect(api.count("POST /auth/refresh")).toBe(1);
    auth.close();
  });

  it("a tab uses the session another tab announced while its own view of the storage still lags behind", async () => {
    // Two storages stand for one localStorage seen by two browser processes, one of them late.
    const tabA = new AuthClient({ baseUrl: api.baseUrl, storage: localStorageStorage(webStorage()) });
    const tabB = new AuthClient({ baseUrl: api.baseUrl, storage: localStorageStorage(webStorage()) });
    const session = await signedIn(tabA.signIn(credentials));
    await vi.waitFor(async () => expect((await tabB.getSession())?.refreshToken).toBe(session.refreshToken));
    expect((await tabB.me.get()).user.id).toBe("user-1");
    tabA.close();
    tabB.close();
  });

  it("a session ended elsewhere is reported in every tab (BroadcastChannel)", async () => {
    const storage = webStorage();
    const tabA = new AuthClient({ baseUrl: api.baseUrl, storage: localStorageStorage(storage) });
    const tabB = new AuthClient({ baseUrl: api.baseUrl, storage: localStorageStorage(storage) });
    const endedInB = vi.fn();
    tabB.onSessionEnded(endedInB);
    await tabA.signIn(credentials);
    api.endSession();
    await expect(tabA.messages.protected()).rejects.toBeInstanceOf(SessionEndedError);
    await vi.waitFor(() => expect(endedInB).toHaveBeenCalledTimes(1));
    expect(await tabB.getSession()).toBeNull();
    tabA.close();
    tabB.close();
  });
});
