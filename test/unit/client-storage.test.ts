// Where the client keeps its session: memory (this client only) or a shared
// Web Storage (every tab of the origin; survives a reload).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthClient, localStorageStorage, memoryStorage, type Session, type SigninResult, type WebStorage } from "../../client/src/index.js";
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

/** A Web Storage object as a browser's localStorage behaves (one per origin). */
function webStorage(): WebStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
  };
}

describe("token storage", () => {
  it("by default a client keeps its session in memory, seen by no other client", async () => {
    const first = new AuthClient({ baseUrl: api.baseUrl });
    const second = new AuthClient({ baseUrl: api.baseUrl });
    await first.signIn({ email: "ada@example.com", password: "correct horse battery" });
    expect((await first.getSession())?.user.email).toBe("ada@example.com");
    expect(await second.getSession()).toBeNull();
    expect(memoryStorage().shared).toBe(false);
  });

  it("with localStorage the session survives a reload (a new client on the same storage is signed in)", async () => {
    const storage = webStorage();
    const before = new AuthClient({ baseUrl: api.baseUrl, storage: localStorageStorage(storage) });
    const session = await signedIn(before.signIn({ email: "ada@example.com", password: "correct horse battery" }));
    before.close();
    const after = new AuthClient({ baseUrl: api.baseUrl, storage: localStorageStorage(storage) });
    expect((await after.getSession())?.refreshToken).toBe(session.refreshToken);
    expect((await after.me.get()).user.id).toBe("user-1");
    after.close();
  });

  it("keeps one item per storage key, so that two apps of one origin do not share a session", async () => {
    const storage = webStorage();
    const client = new AuthClient({ baseUrl: api.baseUrl, storage: localStorageStorage(storage), storageKey: "app-a" });
    await client.signIn({ email: "ada@example.com", password: "correct horse battery" });
    expect([...storage.items.keys()]).toEqual(["app-a"]);
    const other = new AuthClient({ baseUrl: api.baseUrl, storage: localStorageStorage(storage), storageKey: "app-b" });
    expect(await other.getSession()).toBeNull();
    client.close();
    other.close();
  });

  it("reads a stored value that is not a session as signed out", async () => {
    const storage = webStorage();
    storage.setItem("auth-session", "{not json");
    const client = new AuthClient({ baseUrl: api.baseUrl, storage: localStorageStorage(storage) });
    expect(await client.getSession()).toBeNull();
    storage.setItem("auth-session", JSON.stringify({ accessToken: 1 }));
    expect(await client.getSession()).toBeNull();
    client.close();
  });

  it("signOut removes the session from storage", async () => {
    const storage = webStorage();
    const client = new AuthClient({ baseUrl: api.baseUrl, storage: localStorageStorage(storage) });
    await client.signIn({ email: "ada@example.com", password: "correct horse battery" });
    await client.signOut();
    expect(storage.items.size).toBe(0);
    expect(api.count("POST /auth/signout")).toBeGreaterThan(0);
    client.close();
  });

  it("localStorageStorage() without a localStorage (Node) says so instead of failing later", () => {
    expect(() => localStorageStorage()).toThrow(/localStorage is not available/);
  });
});
