// The client library (client/src) against the real local stack: sessions
// kept and refreshed, typed errors from the real API, concurrent refreshes,
// and sessions ended elsewhere.
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import {
  AuthClient,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  localStorageStorage,
  NotFoundError,
  SessionEndedError,
  UnauthorizedError,
  type WebStorage,
} from "../../client/src/index.js";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { PASSWORD, uniqueEmail } from "../helpers/fixtures.js";
import { startStack, type Stack } from "../helpers/stack.js";

let stack: Stack;
beforeAll(async () => void (stack = await startStack()));
afterAll(async () => stack?.stop());

/** A client that records which routes it called (the real fetch underneath). */
function recordingClient(options: { storage?: ReturnType<typeof localStorageStorage> } = {}) {
  const calls: string[] = [];
  const auth = new AuthClient({
    baseUrl: stack.baseUrl,
    ...options,
    fetch: (input, init) => {
      calls.push(`${init?.method ?? "GET"} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    },
  });
  return { auth, calls, count: (route: string) => calls.filter((call) => call === route).length };
}

function sharedStorage(): WebStorage {
  const items = new Map<string, string>();
  return { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value), removeItem: (key) => void items.delete(key) };
}

async function signedUpClient() {
  const email = uniqueEmail();
  const client = recordingClient();
  await client.auth.signUp({ email, password: PASSWORD });
  return { email, ...client };
}

describe("client library against the local stack", () => {
  it("signUp keeps the session: the profile and the messages answer by role", async () => {
    const { auth, email } = await signedUpClient();
    expect((await auth.me.get()).user.email).toBe(email);
    expect(await auth.messages.public()).toEqual({ text: "This is a public message." });
    expect(await auth.messages.protected()).toEqual({ text: "This is a protected message." });
    await expect(auth.messages.moderator()).rejects.toBeInstanceOf(ForbiddenError);
    await expect(auth.messages.admin()).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("the API's errors arrive as typed errors: 409 for a taken email, 401 for a wrong password, 400 with problems", async () => {
    const { email } = await signedUpClient();
    const auth = new AuthClient({ baseUrl: stack.baseUrl });
    await expect(auth.signUp({ email, password: PASSWORD })).rejects.toBeInstanceOf(ConflictError);
    await expect(auth.signIn({ email, password: `${PASSWORD}x` })).rejects.toBeInstanceOf(UnauthorizedError);
    const weak = await auth.signUp({ email: uniqueEmail(), password: "short" }).catch((error: unknown) => error);
    expect(weak).toBeInstanceOf(BadRequestError);
    expect((weak as BadRequestError).problems.map((problem) => problem.field)).toContain("password");
    expect(await auth.getSession()).toBeNull();
  });

  it("ten concurrent calls that each need a refresh share one, and the refreshed session works", async () => {
    const { auth, count } = await signedUpClient();
    // This process's clock (Date only) moves past the token's expiry: every call finds it due for a refresh.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 15 * 60 * 1000);
    onTestFinished(() => void vi.useRealTimers());
    const answers = await Promise.all(Array.from({ length: 10 }, () => auth.messages.protected()));
    expect(answers.every((answer) => answer.text === "This is a protected message.")).toBe(true);
    expect(count("POST /auth/refresh")).toBe(1);
  });

  it("refreshed over and over, every session handed out works until the next replaces it", async () => {
    const { auth } = await signedUpClient();
    for (let round = 0; round < 5; round += 1) {
      const session = await auth.refresh();
      expect((await auth.me.get()).user.id).toBe(session.user.id);
    }
  });

  it("two tabs without Web Locks (Node) refresh the same token at once and both stay signed in (the API's grace window)", async () => {
    const storage = sharedStorage();
    const tabA = recordingClient({ storage: localStorageStorage(storage) });
    const tabB = recordingClient({ storage: localStorageStorage(storage) });
    await tabA.auth.signUp({ email: uniqueEmail(), password: PASSWORD });
    // Both refresh with the same refresh token: neither waits for the other.
    const [a, b] = await Promise.all([tabA.auth.refresh(), tabB.auth.refresh()]);
    expect(b.user.id).toBe(a.user.id);
    expect(tabA.count("POST /auth/refresh") + tabB.count("POST /auth/refresh")).toBe(2);
    // Whichever session the storage kept, both tabs go on working, and so does the next refresh.
    expect((await tabA.auth.me.get()).user.id).toBe(a.user.id);
    expect((await tabB.auth.me.get()).user.id).toBe(a.user.id);
    await tabB.auth.refresh();
    expect((await tabA.auth.messages.protected()).text).toBe("This is a protected message.");
    tabA.auth.close();
    tabB.auth.close();
  });

  it("a session ended elsewhere (sign out everywhere on another device) surfaces as SessionEndedError and onSessionEnded", async () => {
    const { auth: laptop, email } = await signedUpClient();
    const phone = new AuthClient({ baseUrl: stack.baseUrl });
    await phone.signIn({ email, password: PASSWORD });
    const ended = vi.fn();
    laptop.onSessionEnded(ended);
    await phone.signOut({ allSessions: true });
    expect(await phone.getSession()).toBeNull();
    await expect(laptop.me.get()).rejects.toBeInstanceOf(SessionEndedError);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(await laptop.getSession()).toBeNull();
  });

  it("a wrong current password is an UnauthorizedError sent once; the session goes on", async () => {
    const { auth, count } = await signedUpClient();
    const error = await auth.account.changePassword({ currentPassword: `${PASSWORD}x`, newPassword: "amber lighthouse 93 quietly" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).not.toBeInstanceOf(SessionEndedError);
    expect(count("POST /auth/password")).toBe(1);
    expect((await auth.me.get()).user.id).toBeDefined();
  });

  it("changePassword ends every session, this one included: the client forgets it and the new password signs in", async () => {
    const { auth, email } = await signedUpClient();
    const newPassword = "amber lighthouse 93 quietly";
    await auth.account.changePassword({ currentPassword: PASSWORD, newPassword });
    expect(await auth.getSession()).toBeNull();
    await expect(auth.signIn({ email, password: PASSWORD })).rejects.toBeInstanceOf(UnauthorizedError);
    await auth.signIn({ email, password: newPassword });
    expect((await auth.me.get()).user.email).toBe(email);
  });

  it("lists this user's sessions and ends another device's one (me.sessions, me.endSession)", async () => {
    const { auth: laptop, email } = await signedUpClient();
    const phone = new AuthClient({ baseUrl: stack.baseUrl });
    await phone.signIn({ email, password: PASSWORD });
    const { sessions } = await laptop.me.sessions();
    expect(sessions).toHaveLength(2);
    const other = sessions.find((session) => !session.current)!;
    await laptop.me.endSession(other.id);
    expect((await laptop.me.sessions()).sessions.map((session) => session.id)).not.toContain(other.id);
    await expect(phone.messages.protected()).rejects.toBeInstanceOf(SessionEndedError);
  });

  it("an admin's client: find, read, change the roles of, disable, read the events of and delete a user", async () => {
    const { auth: admin, email: adminEmail } = await signedUpClient();
    await promisify(execFile)("npm", ["run", "-s", "grant-role", "--", adminEmail, "admin"], {
      env: { ...process.env, AUTH_DATA_DIR: stack.dataDir },
    });
    expect(await admin.messages.admin()).toEqual({ text: "This is an admin message." });
    const { auth: target, email } = await signedUpClient();

    const { users } = await admin.admin.listUsers({ email: email.toUpperCase() });
    expect(users.map((user) => user.email)).toEqual([email]);
    const id = users[0]!.id;
    expect((await admin.admin.getUser(id)).user.email).toBe(email);
    expect((await admin.admin.setUserRoles(id, { roles: ["user", "moderator"] })).user.roles).toEqual(["user", "moderator"]);
    expect(await target.messages.moderator()).toEqual({ text: "This is a moderator message." });

    const ended = vi.fn();
    target.onSessionEnded(ended);
    expect((await admin.admin.updateUser(id, { disabled: true })).user.disabled).toBe(true);
    await expect(target.me.get()).rejects.toBeInstanceOf(SessionEndedError);
    expect(ended).toHaveBeenCalledTimes(1);
    await expect(target.signIn({ email, password: PASSWORD })).rejects.toBeInstanceOf(ForbiddenError);

    const { events } = await admin.admin.userEvents(id, { limit: 10 });
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(["signup", "roles_changed", "disabled"]));
    await admin.admin.deleteUser(id);
    await expect(admin.admin.getUser(id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("the signed-in user's own events, newest first, and deleting the own account", async () => {
    const { auth, email } = await signedUpClient();
    const { events } = await auth.me.events({ limit: 5 });
    expect(events[0]?.type).toBe("signup");
    await auth.me.delete({ currentPassword: PASSWORD });
    expect(await auth.getSession()).toBeNull();
    await expect(auth.signIn({ email, password: PASSWORD })).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it("discovery: the JWK Set and the OpenID configuration", async () => {
    const auth = new AuthClient({ baseUrl: stack.baseUrl });
    const configuration = await auth.discovery.openidConfiguration();
    expect(configuration.jwks_uri).toMatch(/\/\.well-known\/jwks\.json$/);
    const { keys } = await auth.discovery.jwks();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((key) => key.alg === "RS256" && key.use === "sig")).toBe(true);
  });
});
