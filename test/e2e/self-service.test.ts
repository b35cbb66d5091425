// Self-service over HTTP through serverless offline (the real authorizer, DynamoDB Local, the
// local SES engine, the local OpenID provider): PATCH /users/me (name, username) and the email
// change of the contract, driven by the real emails read back from the local SES engine — the
// link to the new address, the notice to the old one — and its attacks: replay, tampering,
// expiry, a token voided by a password change, two confirms at once, an address claimed
// meanwhile, the second factor's rules, a user without a password. And device names.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { totpCodeAt } from "../../lib/methods/totp/totp.js";
import { passwordAccount, type Account } from "../helpers/accounts.js";
import { client, type Client, type Reply } from "../helpers/client.js";
import { PASSWORD, uniqueEmail, uniqueUsername } from "../helpers/fixtures.js";
import { mailbox, type Mailbox, type SentEmail } from "../helpers/mailbox.js";
import { localProviderSignin, oidc, type Oidc } from "../helpers/oidc.js";
import { startStack, type Stack } from "../helpers/stack.js";

// Email-change links last as long as verification links: short here, to see one expire within a test.
const LINK_TTL_SECONDS = 20;
const STEP = 30_000;
const CHROME_ON_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

// Each test signs several accounts up and in (bcrypt) and waits for real emails.
vi.setConfig({ testTimeout: 120_000 });

let stack: Stack;
let api: Client;
let mail: Mailbox;
let kit: Oidc;
/** Every emailed email-change token and every address moved to: none may reach a log line. */
const tokensSeen: string[] = [];
const addressesMovedTo: string[] = [];

beforeAll(async () => {
  stack = await startStack({ env: { VERIFICATION_TOKEN_TTL_SECONDS: String(LINK_TTL_SECONDS) } });
  api = client(stack.baseUrl);
  mail = mailbox(stack.mailUrl);
  kit = oidc(stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

function expectError(reply: Reply, status: number, code: string) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.body?.code, reply.text).toBe(code);
  expect(reply.text).not.toMatch(/Exception|Error:|\bat \S+:\d+|node_modules|DynamoDB|ConditionalCheck|stack/i);
}

const account = (label: string) => passwordAccount(api, mail, stack.appUrl, label);
const me = async (token: string) => {
  const reply = await api.get("/users/me", { token });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.user;
};
const signin = (body: Record<string, string>) => api.post("/auth/signin", body);
const events = async (token: string): Promise<string[]> => (await api.get("/users/me/events", { token })).body.events.map((e: { type: string }) => e.type);

/** The token of the `<APP_URL>/confirm-email#token=…` link; the HTML carries the same one. */
function confirmToken(email: SentEmail): string {
  const prefix = `${stack.appUrl}/confirm-email#token=`.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const pattern = new RegExp(`${prefix}([A-Za-z0-9_-]+)`, "g");
  const inText = [...(email.body.text ?? "").matchAll(pattern)].map((m) => m[1]!);
  const inHtml = [...(email.body.html ?? "").matchAll(pattern)].map((m) => m[1]!);
  expect(new Set(inText).size, "one link in the text").toBe(1);
  expect(new Set(inHtml), "the HTML carries the same link").toEqual(new Set(inText));
  tokensSeen.push(inText[0]!);
  return inText[0]!;
}

/** Asks to move `user` to `newEmail` with `proof` (the password by default); 202 expected. */
async function requestChange(token: string, newEmail: string, proof: Record<string, string> = { currentPassword: PASSWORD }) {
  const reply = await api.post("/users/me/email", { newEmail, ...proof }, { token });
  expect(reply.status, reply.text).toBe(202);
  expect(reply.body.message).toEqual(expect.any(String));
}

/** The link of the `count`-th change email sent to `address`. */
async function linkTo(address: string, count = 1): Promise<string> {
  const sent = await mail.waitFor(address, /Confirm your new email address/, count);
  return confirmToken(sent[count - 1]!);
}

const confirm = (token: string) => api.post("/auth/email/change/confirm", { token });

describe("PATCH /users/me", () => {
  it("changes the name, answers the user, and records profile_updated", async () => {
    const user = await account("name");
    const reply = await api.patch("/users/me", { name: "  Ada Byron  " }, { token: user.accessToken });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.user).toMatchObject({ id: user.userId, email: user.email, name: "Ada Byron" });
    expect((await me(user.accessToken)).name).toBe("Ada Byron");
    expect(await events(user.accessToken)).toContain("profile_updated");
  });

  it("refuses an empty body, unknown fields, null and bad values with 400, changing nothing", async () => {
    const user = await account("bad-profile");
    await api.patch("/users/me", { name: "Kept" }, { token: user.accessToken });
    for (const body of [{}, { nickname: "x" }, { name: "Ok", userName: "typo" }, { username: null }, { name: null }, { name: "   " }, { username: "a" }, { username: "has space" }, { name: "x".repeat(101) }]) {
      expectError(await api.patch("/users/me", body, { token: user.accessToken }), 400, "invalid_request");
    }
    expect(await me(user.accessToken)).toMatchObject({ name: "Kept" });
    expect((await me(user.accessToken)).username).toBeUndefined();
    expectError(await api.patch("/users/me", { name: "x" }), 401, "unauthorized");
  });

  it("moves the username: signin by the new one works, the old one is free at once, a taken one is 409", async () => {
    const ada = await account("uname");
    const bob = await account("uname-other");
    const first = uniqueUsername("ada");
    const second = uniqueUsername("ada2");
    expect((await api.patch("/users/me", { username: first }, { token: ada.accessToken })).status).toBe(200);
    expect((await signin({ username: first, password: PASSWORD })).status).toBe(200);

    // Taken, whatever its case: 409, and nothing of bob's changes.
    expectError(await api.patch("/users/me", { username: first.toUpperCase(), name: "Bob" }, { token: bob.accessToken }), 409, "username_taken");
    expect((await me(bob.accessToken)).username).toBeUndefined();
    expect((await me(bob.accessToken)).name).toBeUndefined();

    const moved = await api.patch("/users/me", { username: second }, { token: ada.accessToken });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.user.username).toBe(second);
    expectError(await signin({ username: first, password: PASSWORD }), 401, "invalid_credentials");
    expect((await signin({ username: second, password: PASSWORD })).body.user.id).toBe(ada.userId);
    // The old username is free for someone else now.
    const taken = await api.patch("/users/me", { username: first }, { token: bob.accessToken });
    expect(taken.status, taken.text).toBe(200);
    expect((await signin({ username: first, password: PASSWORD })).body.user.id).toBe(bob.userId);
    // Only its case changes: the claim stays ada's.
    const recased = await api.patch("/users/me", { username: second.toUpperCase() }, { token: ada.accessToken });
    expect(recased.body.user.username).toBe(second.toUpperCase());
    expect((await signin({ username: second, password: PASSWORD })).body.user.id).toBe(ada.userId);
  });

  it("of two users taking one username at once, exactly one gets it", async () => {
    const users = await Promise.all([account("race-a"), account("race-b"), account("race-c")]);
    const wanted = uniqueUsername("race");
    const replies = await Promise.all(users.map((u) => api.patch("/users/me", { username: wanted }, { token: u.accessToken })));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const winner = users[replies.findIndex((r) => r.status === 200)]!;
    expect((await signin({ username: wanted, password: PASSWORD })).body.user.id).toBe(winner.userId);
  });
});

describe("email change", () => {
  it("sends the link to the new address and a notice to the old one; the link moves the account, verified, and frees the old address", async () => {
    const user = await account("move");
    const newEmail = uniqueEmail("moved");
    addressesMovedTo.push(newEmail);
    await requestChange(user.accessToken, newEmail);
    const token = await linkTo(newEmail);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [notice] = await mail.waitFor(user.email, /email address was requested/);
    expect(notice!.body.text).toContain(user.email);
    expect(notice!.body.text).not.toContain(newEmail); // the notice names no new address
    expect(notice!.body.text).not.toContain("#token=");
    // Nothing has moved before the link is opened.
    expect((await me(user.accessToken)).email).toBe(user.email);

    const moved = await confirm(token);
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.user).toMatchObject({ id: user.userId, email: newEmail, emailVerified: true });
    // Sessions stay: the old access token reads the moved account.
    expect(await me(user.accessToken)).toMatchObject({ email: newEmail, emailVerified: true });
    expect((await signin({ email: newEmail, password: PASSWORD })).body.user.id).toBe(user.userId);
    expectError(await signin({ email: user.email, password: PASSWORD }), 401, "invalid_credentials");
    // The old address is free for a new signup.
    const again = await api.post("/auth/signup", { email: user.email, password: PASSWORD });
    expect(again.status, again.text).toBe(201);
    expect(again.body.user.id).not.toBe(user.userId);
    const types = await events(user.accessToken);
    expect(types).toContain("email_change_requested");
    expect(types).toContain("email_changed");
    // The link works once.
    expectError(await confirm(token), 400, "invalid_token");
  });

  it("rejects a tampered, unknown or malformed token with the one invalid_token, changing nothing", async () => {
    const user = await account("tamper");
    const newEmail = uniqueEmail("tamper-new");
    await requestChange(user.accessToken, newEmail);
    const token = await linkTo(newEmail);
    const tampered = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    for (const bad of [tampered, "A".repeat(43), "short", token + "x"]) expectError(await confirm(bad), 400, "invalid_token");
    expectError(await api.post("/auth/email/change/confirm", {}), 400, "invalid_request");
    expect((await me(user.accessToken)).email).toBe(user.email);
    // The real one still works.
    expect((await confirm(token)).status).toBe(200);
  });

  it("a newer request replaces the older one: the first link stops working", async () => {
    const user = await account("replace");
    const first = uniqueEmail("first");
    const second = uniqueEmail("second");
    await requestChange(user.accessToken, first);
    const older = await linkTo(first);
    await requestChange(user.accessToken, second);
    const newer = await linkTo(second);
    expectError(await confirm(older), 400, "invalid_token");
    expect((await confirm(newer)).body.user.email).toBe(second);
  });

  it("a link expires", async () => {
    const user = await account("expire");
    const newEmail = uniqueEmail("expire-new");
    await requestChange(user.accessToken, newEmail);
    const token = await linkTo(newEmail);
    await sleep((LINK_TTL_SECONDS + 2) * 1000);
    expectError(await confirm(token), 400, "invalid_token");
    expect((await me(user.accessToken)).email).toBe(user.email);
  }, 60_000);

  it("a password change after the request voids the link", async () => {
    const user = await account("void");
    const newEmail = uniqueEmail("void-new");
    await requestChange(user.accessToken, newEmail);
    const token = await linkTo(newEmail);
    const changed = await api.post("/auth/password", { currentPassword: PASSWORD, newPassword: "another passphrase entirely" }, { token: user.accessToken });
    expect(changed.status, changed.text).toBe(204);
    expectError(await confirm(token), 400, "invalid_token");
    expect((await signin({ email: user.email, password: "another passphrase entirely" })).status).toBe(200);
  });

  it("a disabled account's link does not work", async () => {
    const user = await account("disabled");
    const newEmail = uniqueEmail("disabled-new");
    await requestChange(user.accessToken, newEmail);
    const token = await linkTo(newEmail);
    const admin = await kit.admin();
    expect((await api.patch(`/users/${user.userId}`, { disabled: true }, { token: admin.accessToken })).status).toBe(200);
    expectError(await confirm(token), 400, "invalid_token");
    expect((await api.patch(`/users/${user.userId}`, { disabled: false }, { token: admin.accessToken })).status).toBe(200);
    expectError(await confirm(token), 400, "invalid_token"); // enabling again revives no link
  });

  it("of parallel confirms of one link, exactly one succeeds", async () => {
    const user = await account("parallel");
    const newEmail = uniqueEmail("parallel-new");
    await requestChange(user.accessToken, newEmail);
    const token = await linkTo(newEmail);
    const replies = await Promise.all(Array.from({ length: 6 }, () => confirm(token)));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
    for (const reply of replies.filter((r) => r.status !== 200)) expect(reply.body.code).toBe("invalid_token");
    expect((await me(user.accessToken)).email).toBe(newEmail);
  });

  it("the link moves only the account that asked, whoever opens it", async () => {
    const ada = await account("holder-a");
    const bob = await account("holder-b");
    const newEmail = uniqueEmail("holder-new");
    await requestChange(ada.accessToken, newEmail);
    const token = await linkTo(newEmail);
    // Bob holding Ada's link (signed in or not) moves Ada's account, never his own.
    const reply = await api.post("/auth/email/change/confirm", { token }, { token: bob.accessToken });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.user.id).toBe(ada.userId);
    expect((await me(bob.accessToken)).email).toBe(bob.email);
    expect((await me(ada.accessToken)).email).toBe(newEmail);
  });

  it("an address in use is 409 email_taken at the request; one claimed meanwhile is 409 at the confirm, with nothing half-written", async () => {
    const ada = await account("taken-a");
    const bob = await account("taken-b");
    expectError(await api.post("/users/me/email", { newEmail: bob.email.toUpperCase(), currentPassword: PASSWORD }, { token: ada.accessToken }), 409, "email_taken");
    expectError(await api.post("/users/me/email", { newEmail: ada.email, currentPassword: PASSWORD }, { token: ada.accessToken }), 400, "invalid_request");

    const contested = uniqueEmail("contested");
    await requestChange(ada.accessToken, contested);
    const token = await linkTo(contested);
    const carol = await api.post("/auth/signup", { email: contested, password: PASSWORD });
    expect(carol.status, carol.text).toBe(201);
    expectError(await confirm(token), 409, "email_taken");
    // Ada keeps her address and her claim on it; the address stays Carol's.
    expect((await me(ada.accessToken)).email).toBe(ada.email);
    expect((await signin({ email: ada.email, password: PASSWORD })).body.user.id).toBe(ada.userId);
    expect((await signin({ email: contested, password: PASSWORD })).body.user.id).toBe(carol.body.user.id);
    expect(await events(ada.accessToken)).not.toContain("email_changed");
  });

  it("a wrong current password is 401 wrong_password, counted, and sends nothing", async () => {
    const user = await account("wrong");
    const target = uniqueEmail("wrong-target");
    expectError(await api.post("/users/me/email", { newEmail: target, currentPassword: "not the password" }, { token: user.accessToken }), 401, "wrong_password");
    expectError(await api.post("/users/me/email", { newEmail: target }, { token: user.accessToken }), 400, "invalid_request");
    expect(await events(user.accessToken)).toContain("signin_failed");
    // A later good request's emails arrive; the refused one's never did.
    const control = uniqueEmail("wrong-control");
    await requestChange(user.accessToken, control);
    await linkTo(control);
    expect(await mail.to(target)).toEqual([]);
    expect((await me(user.accessToken)).email).toBe(user.email);
  });

  it("counts the link against the new address's verification-email limit", async () => {
    const user = await account("limit");
    const target = uniqueEmail("limit-target");
    // Default limit: 2 a minute per address. The third request still answers 202; the mailer sends nothing.
    for (let i = 0; i < 3; i++) await requestChange(user.accessToken, target);
    await mail.waitFor(target, /Confirm your new email address/, 2);
    const deadline = Date.now() + 20_000;
    const overLimit = () => /"mailJob":"email-change-requested"[^\n]*"outcome":"over-limit"/.test(stack.output());
    while (!overLimit() && Date.now() < deadline) await sleep(200);
    expect(overLimit()).toBe(true);
    expect(await mail.to(target)).toHaveLength(2);
  });
});

describe("email change and the second factor", () => {
  it("a user with TOTP needs a multi-factor session (403 mfa_required otherwise), then the change works", async () => {
    const user = await account("mfa");
    const started = await api.post("/users/me/mfa/totp", undefined, { token: user.accessToken });
    expect(started.status, started.text).toBe(201);
    const confirmed = await api.post("/users/me/mfa/totp/confirm", { code: totpCodeAt(started.body.secret, Date.now()) }, { token: user.accessToken });
    expect(confirmed.status, confirmed.text).toBe(200);
    const newEmail = uniqueEmail("mfa-new");
    // The signup's password session is not multi-factor.
    expectError(await api.post("/users/me/email", { newEmail, currentPassword: PASSWORD }, { token: user.accessToken }), 403, "mfa_required");

    const first = await signin({ email: user.email, password: PASSWORD });
    expectError(first, 403, "mfa_required");
    const second = await api.post("/auth/mfa/verify", { mfaToken: first.body.mfaToken, factor: "totp", code: totpCodeAt(started.body.secret, Date.now() + STEP) });
    expect(second.status, second.text).toBe(200);
    // Still the password too, even from a multi-factor session.
    expectError(await api.post("/users/me/email", { newEmail }, { token: second.body.accessToken }), 400, "invalid_request");
    await requestChange(second.body.accessToken, newEmail);
    expect((await confirm(await linkTo(newEmail))).body.user).toMatchObject({ email: newEmail, mfaEnabled: true });
  });

  it("a user without a password: 401 for any password, 403 without a code, then a recovery code moves the account", async () => {
    // A user made by the local test OpenID provider: no password.
    const email = uniqueEmail("provider");
    const token = await providerSession(email);
    expect(await me(token)).toMatchObject({ email, hasPassword: false, mfaEnabled: false });
    const newEmail = uniqueEmail("provider-new");
    expectError(await api.post("/users/me/email", { newEmail, currentPassword: PASSWORD }, { token }), 401, "wrong_password");
    expectError(await api.post("/users/me/email", { newEmail }, { token }), 403, "mfa_required");
    expectError(await api.post("/users/me/email", { newEmail, code: "12345678" }, { token }), 401, "invalid_mfa_code");

    const started = await api.post("/users/me/mfa/totp", undefined, { token });
    const confirmed = await api.post("/users/me/mfa/totp/confirm", { code: totpCodeAt(started.body.secret, Date.now()) }, { token });
    expect(confirmed.status, confirmed.text).toBe(200);
    const [recoveryCode] = confirmed.body.recoveryCodes as string[];
    await requestChange(token, newEmail, { code: recoveryCode! });
    expect((await confirm(await linkTo(newEmail))).body.user).toMatchObject({ email: newEmail, emailVerified: true, hasPassword: false });
    // A recovery code works once.
    expectError(await api.post("/users/me/email", { newEmail: uniqueEmail("provider-again"), code: recoveryCode! }, { token }), 401, "invalid_mfa_code");
  });
});

describe("device names", () => {
  it("name the device of each session and event from its User-Agent", async () => {
    const user: Account = await account("device");
    const headers = { "user-agent": CHROME_ON_MAC };
    const signedIn = await api.post("/auth/signin", { email: user.email, password: PASSWORD }, { headers });
    expect(signedIn.status, signedIn.text).toBe(200);
    const sessions = (await api.get("/users/me/sessions", { token: signedIn.body.accessToken })).body.sessions;
    const current = sessions.find((s: { current: boolean }) => s.current);
    expect(current).toMatchObject({ userAgent: CHROME_ON_MAC, device: "Chrome on macOS" });
    const listed = (await api.get("/users/me/events", { token: signedIn.body.accessToken })).body.events;
    expect(listed.find((e: { type: string; userAgent?: string }) => e.type === "signin" && e.userAgent === CHROME_ON_MAC)).toMatchObject({ device: "Chrome on macOS" });
  });
});

describe("logs", () => {
  it("hold no email-change token and no address an account moved to", async () => {
    await sleep(500); // the last lines
    const output = stack.output();
    expect(tokensSeen.length).toBeGreaterThan(5);
    for (const token of tokensSeen) expect(output).not.toContain(token);
    const logLines = output.split("\n").filter((line) => line.includes('"message":'));
    expect(logLines.length).toBeGreaterThan(0);
    for (const address of addressesMovedTo) for (const line of logLines) expect(line).not.toContain(address);
  });
});

/** Signs `email` in through the local test provider as the web app does; its access token. */
async function providerSession(email: string): Promise<string> {
  const { tokens } = await localProviderSignin(kit, await kit.relyingParty("web"), `${stack.appUrl}/callback`, email);
  return tokens.access_token;
}
