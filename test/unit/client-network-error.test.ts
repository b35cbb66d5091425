// A request that gets no answer at all (nothing listening, the network, a CORS
// refusal in a browser) throws the client's NetworkError, code
// `network_error`, naming where it went, instead of fetch's bare TypeError;
// the session is kept, and an abort stays an abort. The browser's CORS case
// runs in Chromium: test/browser/cors-origin.test.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AuthApiError, AuthClient, memoryStorage, NetworkError, SessionEndedError } from "../../client/src/index.js";
import { freePort } from "../../scripts/local-dynamodb.mjs";
import { startFakeApi, type FakeApi } from "../helpers/fake-api.js";

const credentials = { email: "ada@example.com", password: "correct horse battery" };

/** A base URL where nothing listens (a free port, not bound): every request is refused. */
async function deadBaseUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("the call succeeded"),
    (error: unknown) => error,
  );
}

let api: FakeApi;
beforeAll(async () => void (api = await startFakeApi()));
afterAll(() => api.close());
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("NetworkError", () => {
  it("a call to an API that does not answer throws NetworkError: code network_error, status 0, the base URL and the reason named", async () => {
    const baseUrl = await deadBaseUrl();
    const auth = new AuthClient({ baseUrl: `${baseUrl}/` });
    const error = await rejection(auth.signIn(credentials));
    expect(error).toBeInstanceOf(NetworkError);
    // One family with the API's errors: `instanceof AuthApiError` and `code` cover it too.
    expect(error).toBeInstanceOf(AuthApiError);
    const network = error as NetworkError;
    expect(network.name).toBe("NetworkError");
    expect(network.code).toBe("network_error");
    expect(network.status).toBe(0);
    expect(network.body).toBeUndefined();
    expect(network.url).toBe(`${baseUrl}/auth/signin`);
    expect(network.message).toBe(
      `Could not reach the auth API at ${baseUrl} (fetch failed: ECONNREFUSED). Check the URL, the network, and that the server is running.`,
    );
    // What fetch threw stays at hand for debugging.
    expect(network.cause).toBeInstanceOf(TypeError);
  });

  it("in a page, the message names the page's origin and the API's CORS_ORIGINS", async () => {
    // Node has no page; the browser test sees the real one. Here only its origin is stood in.
    vi.stubGlobal("location", { origin: "http://localhost:5173" });
    const baseUrl = await deadBaseUrl();
    const error = await rejection(new AuthClient({ baseUrl }).messages.public());
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toBe(
      `Could not reach the auth API at ${baseUrl} (fetch failed: ECONNREFUSED). The network may be down, the server may not be running, ` +
        "or it does not allow requests from this page's origin, http://localhost:5173: add that origin to the API's CORS_ORIGINS.",
    );
  });

  it("authFetch to another server names that server, not the API", async () => {
    vi.stubGlobal("location", { origin: "http://localhost:5173" });
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    expect((await auth.signIn(credentials)).status).toBe("signed-in");
    const elsewhere = await deadBaseUrl();
    const error = (await rejection(auth.authFetch(`${elsewhere}/orders`))) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.url).toBe(`${elsewhere}/orders`);
    expect(error.message).toMatch(new RegExp(`^Could not reach ${elsewhere} \\(fetch failed: ECONNREFUSED\\)\\.`));
    expect(error.message).toContain("that server's CORS configuration must allow it");
    expect(error.message).not.toContain("CORS_ORIGINS");
  });

  it("a refresh that gets no answer keeps the session: it may work again later, and nobody hears it ended", async () => {
    const own = await startFakeApi();
    const storage = memoryStorage();
    const auth = new AuthClient({ baseUrl: own.baseUrl, storage });
    const ended = vi.fn();
    auth.onSessionEnded(ended);
    expect((await auth.signIn(credentials)).status).toBe("signed-in");
    const session = await auth.getSession();
    expect(session).not.toBeNull();
    await own.close();

    const error = await rejection(auth.refresh());
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).not.toBeInstanceOf(SessionEndedError);
    expect((await auth.getSession())?.refreshToken).toBe(session?.refreshToken);
    expect(ended).not.toHaveBeenCalled();
  });

  it("an aborted request stays an abort, not a network error", async () => {
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    expect((await auth.signIn(credentials)).status).toBe("signed-in");
    const error = await rejection(auth.authFetch("/messages/protected", { signal: AbortSignal.abort() }));
    expect(error).not.toBeInstanceOf(NetworkError);
    expect((error as DOMException).name).toBe("AbortError");
  });

  it("a custom fetch's own error passes through as it is", async () => {
    const own = new Error("offline mode: no requests");
    const auth = new AuthClient({ baseUrl: api.baseUrl, fetch: () => Promise.reject(own) });
    expect(await rejection(auth.messages.public())).toBe(own);
  });

  it("an answer, even an error status, is no network error", async () => {
    const auth = new AuthClient({ baseUrl: api.baseUrl });
    const error = await rejection(auth.authorization.get("no-such-request"));
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error).not.toBeInstanceOf(NetworkError);
  });
});
