// Account recovery and email verification over HTTP through serverless offline,
// every flow driven by the real email read back from the stack's local SES engine.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, type Client, type Reply } from "../helpers/client.js";
import { PASSWORD, uniqueEmail } from "../helpers/fixtures.js";
import { linkToken, mailbox, type Mailbox } from "../helpers/mailbox.js";
import { startStack, type Stack } from "../helpers/stack.js";

const NEW_PASSWORD = "a different passphrase entirely";
// Short enough to see a reset token go stale within a test, long enough for every other flow.
const RESET_TTL_SECONDS = 20;

let stack: Stack;
let api: Client;
let mail: Mailbox;
const secrets: string[] = [PASSWORD, NEW_PASSWORD]; // never in an email body, besides each link's own token

beforeAll(async () => {
  stack = await startStack({ env: { RESET_TOKEN_TTL_SECONDS: String(RESET_TTL_SECONDS) } });
  api = client(stack.baseUrl);
  mail = mailbox(stack.mailUrl);
});

afterAll(async () => {
  await stack?.stop();
});

async function signup(email = uniqueEmail()) {
  const reply = await api.post("/auth/signup", { email, password: PASSWORD });
  expect(reply.status, reply.text).toBe(201);
  secrets.push(reply.body.accessToken, reply.body.refreshToken);
  return { email: reply.body.user.email as string, accessToken: reply.body.accessToken as string, refreshToken: reply.body.refreshToken as string };
}

async function resetToken(email: string, count = 1): Promise<string> {
  const emails = await mail.waitFor(email, /Reset your/, count);
  return linkToken(emails[count - 1]!, stack.appUrl, "reset-password");
}

async function forgot(email: string): Promise<Reply> {
  return api.post("/auth/password/forgot", { email });
}

const alter = (token: string) => token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
const INVALID_TOKEN = "This link is invalid or has expired; request a new one";

describe("email verification", () => {
  it("signup sends a link to <APP_URL>/verify-email#token=…; the token verifies the email once", async () => {
    const { email, accessToken } = await signup();
    const [sent] = await mail.waitFor(email, /Confirm your email/);
    expect(sent!.from).toMatch(/<.+@.+>$/);
    const token = linkToken(sent!, stack.appUrl, "verify-email");
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
    expect((await api.get("/users/me", { token: accessToken })).body.user.emailVerified).toBe(false);

    const verified = await api.post("/auth/email/verify", { token });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.user).toMatchObject({ email, emailVerified: true });
    expect((await api.get("/users/me", { token: accessToken })).body.user.emailVerified).toBe(true);

    const again = await api.post("/auth/email/verify", { token });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ message: INVALID_TOKEN, code: "invalid_token" });
  });

  it("resend needs a bearer, sends a new link that replaces the old one, and is limited per address", async () => {
    const { email, accessToken } = await signup();
    const first = linkToken((await mail.waitFor(email, /Confirm your email/))[0]!, stack.appUrl, "verify-email");
    expect((await api.post("/auth/email/verify/resend")).status).toBe(401);

    const resent = await api.post("/auth/email/verify/resend", undefined, { token: accessToken });
    expect(resent.status).toBe(202);
    expect(typeof resent.body.message).toBe("string");
    const second = linkToken((await mail.waitFor(email, /Confirm your email/, 2))[1]!, stack.appUrl, "verify-email");
    expect(second).not.toBe(first);

    // Over the limit (two a minute, signup's email included): the same 202, and no third email.
    const limited = await api.post("/auth/email/verify/resend", undefined, { token: accessToken });
    expect(limited.status).toBe(202);
    expect(limited.body).toEqual(resent.body);

    expect((await api.post("/auth/email/verify", { token: first })).status).toBe(400);
    expect((await api.post("/auth/email/verify", { token: second })).status).toBe(200);
    await sleep(2000);
    expect((await mail.to(email)).filter((e) => /Confirm your email/.test(e.subject))).toHaveLength(2);
  });

  it("counts by address: signup, delete, signup again and resends within a minute answer as usual and send two emails", async () => {
    const email = uniqueEmail("again");
    const first = await signup(email);
    await mail.waitFor(email, /Confirm your email/);
    const deleted = await api.request("DELETE", "/users/me", { currentPassword: PASSWORD }, { token: first.accessToken });
    expect(deleted.status, deleted.text).toBe(204);

    const second = await signup(email); // 201, as ever
    const resends = [
      await api.post("/auth/email/verify/resend", undefined, { token: second.accessToken }),
      await api.post("/auth/email/verify/resend", undefined, { token: second.accessToken }),
    ];
    for (const reply of resends) {
      expect(reply.status).toBe(202);
      expect(reply.body).toEqual(resends[0]!.body);
    }
    await mail.waitFor(email, /Confirm your email/, 2);
    await sleep(3000);
    expect((await mail.to(email)).filter((e) => /Confirm your email/.test(e.subject))).toHaveLength(2);
  });

  it("rejects a verification token that is altered, random, malformed or missing with one 400", async () => {
    const { email } = await signup();
    const token = linkToken((await mail.waitFor(email, /Confirm your email/))[0]!, stack.appUrl, "verify-email");
    for (const bad of [alter(token), randomBytes(32).toString("base64url"), "not-a-token", token + "x"]) {
      const reply = await api.post("/auth/email/verify", { token: bad });
      expect(reply.status, bad).toBe(400);
      expect(reply.body).toMatchObject({ message: INVALID_TOKEN, code: "invalid_token" });
    }
    expect((await api.post("/auth/email/verify", {})).status).toBe(400);
  });
});

describe("forgot password", () => {
  it("answers a known and an unknown address with the same status, body and headers; only the known one gets an email", async () => {
    const { email } = await signup();
    const unknown = uniqueEmail("nobody");
    const [known, other] = [await forgot(email), await forgot(unknown)];
    expect(known.status).toBe(202);
    expect(other.status).toBe(known.status);
    expect(other.text).toBe(known.text);
    const comparable = (reply: Reply) =>
      [...reply.headers.entries()].filter(([name]) => !["date", "x-amzn-requestid", "x-amz-apigw-id", "x-amzn-trace-id"].includes(name));
    expect(comparable(other)).toEqual(comparable(known));

    await resetToken(email);
    await sleep(2000);
    expect(await mail.to(unknown)).toEqual([]);
  });

  it("sends at most one email a minute to an address; requests over the limit get the same 202", async () => {
    const { email } = await signup();
    const replies = [await forgot(email), await forgot(email), await forgot(email)];
    for (const reply of replies) {
      expect(reply.status).toBe(202);
      expect(reply.text).toBe(replies[0]!.text);
    }
    await resetToken(email);
    await sleep(3000);
    expect((await mail.to(email)).filter((e) => /Reset your/.test(e.subject))).toHaveLength(1);
  });

  it("finds the account whatever form of its address is given (case, fullwidth, Unicode domain)", async () => {
    const local = `ida-${randomBytes(4).toString("hex")}`;
    const { email } = await signup(`${local}@bücher.example`);
    expect(email).toBe(`${local}@xn--bcher-kva.example`);
    const fullwidth = [...local.toUpperCase()].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join("").replace(/\uff0d/g, "-");
    expect((await forgot(`${fullwidth}@BÜCHER.example`)).status).toBe(202);
    await resetToken(email);
  });

  it("rejects a malformed address with 400 and sends nothing", async () => {
    for (const bad of ["", "no-at-sign", "ädä@example.com", `${"a".repeat(65)}@example.com`]) {
      expect((await forgot(bad)).status, bad).toBe(400);
    }
  });
});

describe("password reset", () => {
  it("sets the new password, ends every session (access tokens too), marks the email verified, and sends a notice", async () => {
    const { email, accessToken, refreshToken } = await signup();
    expect((await forgot(email)).status).toBe(202);
    const token = await resetToken(email);

    const reset = await api.post("/auth/password/reset", { token, newPassword: NEW_PASSWORD });
    expect(reset.status, reset.text).toBe(204);
    expect(reset.text).toBe("");

    expect((await api.get("/users/me", { token: accessToken })).status).toBe(401);
    expect((await api.post("/auth/refresh", { refreshToken })).status).toBe(401);
    expect((await api.post("/auth/signin", { email, password: PASSWORD })).status).toBe(401);
    const signin = await api.post("/auth/signin", { email, password: NEW_PASSWORD });
    expect(signin.status).toBe(200);
    expect(signin.body.user.emailVerified).toBe(true);
    secrets.push(signin.body.accessToken, signin.body.refreshToken);

    const [notice] = await mail.waitFor(email, /password was reset/);
    expect(notice!.body.text).not.toMatch(/#token=/);

    const reused = await api.post("/auth/password/reset", { token, newPassword: "yet another passphrase here" });
    expect(reused.status).toBe(400);
    expect(reused.body).toMatchObject({ message: INVALID_TOKEN, code: "invalid_token" });
  });

  it("gives one 204 and one 400 to two concurrent resets with one token", async () => {
    const { email } = await signup();
    await forgot(email);
    const token = await resetToken(email);
    const replies = await Promise.all([
      api.post("/auth/password/reset", { token, newPassword: NEW_PASSWORD }),
      api.post("/auth/password/reset", { token, newPassword: "the other concurrent passphrase" }),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([204, 400]);
    expect(replies.find((r) => r.status === 400)!.body).toMatchObject({ message: INVALID_TOKEN, code: "invalid_token" });
  });

  it("rejects altered, random and malformed tokens with the same 400, and keeps the real one usable", async () => {
    const { email } = await signup();
    await forgot(email);
    const token = await resetToken(email);
    for (const bad of [alter(token), randomBytes(32).toString("base64url"), "x", token.toUpperCase()]) {
      const reply = await api.post("/auth/password/reset", { token: bad, newPassword: NEW_PASSWORD });
      expect(reply.status, bad).toBe(400);
      expect(reply.body).toMatchObject({ message: INVALID_TOKEN, code: "invalid_token" });
    }
    // A new password that breaks the policy is refused without spending the token.
    const weak = await api.post("/auth/password/reset", { token, newPassword: "password" });
    expect(weak.status).toBe(400);
    expect(weak.body.message).not.toBe(INVALID_TOKEN);
    expect((await api.post("/auth/password/reset", { token, newPassword: email })).status).toBe(400);
    expect((await api.post("/auth/password/reset", { token, newPassword: NEW_PASSWORD })).status).toBe(204);
  });

  it("a token stops working when the password is changed by other means, and the change sends a notice", async () => {
    const { email, accessToken } = await signup();
    await forgot(email);
    const token = await resetToken(email);
    const change = await api.post("/auth/password", { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, { token: accessToken });
    expect(change.status).toBe(204);
    await mail.waitFor(email, /password was changed/);
    expect((await api.post("/auth/password/reset", { token, newPassword: "yet another passphrase here" })).status).toBe(400);
  });

  it("clears the signin lockout", async () => {
    const { email } = await signup();
    for (let i = 0; i < 5; i++) expect((await api.post("/auth/signin", { email, password: "wrong password!" })).status).toBe(401);
    expect((await api.post("/auth/signin", { email, password: PASSWORD })).status).toBe(429);
    await forgot(email);
    expect((await api.post("/auth/password/reset", { token: await resetToken(email), newPassword: NEW_PASSWORD })).status).toBe(204);
    expect((await api.post("/auth/signin", { email, password: NEW_PASSWORD })).status).toBe(200);
  });

  it(`rejects a token older than its lifetime (RESET_TOKEN_TTL_SECONDS=${RESET_TTL_SECONDS} here)`, async () => {
    const { email } = await signup();
    await forgot(email);
    const token = await resetToken(email);
    await sleep((RESET_TTL_SECONDS + 1.5) * 1000);
    const stale = await api.post("/auth/password/reset", { token, newPassword: NEW_PASSWORD });
    expect(stale.status).toBe(400);
    expect(stale.body).toMatchObject({ message: INVALID_TOKEN, code: "invalid_token" });
    expect((await api.post("/auth/signin", { email, password: PASSWORD })).status).toBe(200);
  }, 60_000);
});

describe("email addresses", () => {
  it("are one account whatever their form: fullwidth, case, Unicode or punycode domain", async () => {
    const local = `ada-${randomBytes(4).toString("hex")}`;
    await signup(`${local}@example.com`);
    const fullwidth = [...local].map((c) => (c === "-" ? "-" : String.fromCharCode(c.charCodeAt(0) + 0xfee0))).join("");
    expect((await api.post("/auth/signup", { email: `${fullwidth}@example.com`, password: PASSWORD })).status).toBe(409);
    expect((await api.post("/auth/signup", { email: `${local.toUpperCase()}@EXAMPLE.COM`, password: PASSWORD })).status).toBe(409);

    await signup(`${local}@bücher.example`);
    expect((await api.post("/auth/signup", { email: `${local}@xn--bcher-kva.example`, password: PASSWORD })).status).toBe(409);
    const signin = await api.post("/auth/signin", { email: `${local.toUpperCase()}@BÜCHER.example`, password: PASSWORD });
    expect(signin.status).toBe(200);
    secrets.push(signin.body.accessToken, signin.body.refreshToken);
  });

  it("are refused with 400 when SES could not deliver to them or they are too long", async () => {
    for (const email of [`${"a".repeat(65)}@example.com`, "jörg@example.com", `a@${"b".repeat(250)}.com`, "a@localhost", "a@1.2.3.4"]) {
      const reply = await api.post("/auth/signup", { email, password: PASSWORD });
      expect(reply.status, email).toBe(400);
      expect(reply.body.errors[0].field).toBe("email");
    }
  });
});

describe("a disabled account", () => {
  const grantRole = (email: string, role: string) =>
    promisify(execFile)("npm", ["run", "-s", "grant-role", "--", email, role], { env: { ...process.env, AUTH_DATA_DIR: stack.dataDir } });
  const setDisabled = (admin: string, id: string, disabled: boolean) => api.request("PATCH", `/users/${id}`, { disabled }, { token: admin });

  it("cannot use the reset and verification links sent before it was disabled (400 invalid_token); enabled again, the old password signs in", async () => {
    const admin = await signup();
    await grantRole(admin.email, "admin");
    const { email, accessToken } = await signup();
    const id = (await api.get("/users/me", { token: accessToken })).body.user.id as string;
    const verify = linkToken((await mail.waitFor(email, /Confirm your email/))[0]!, stack.appUrl, "verify-email");
    await forgot(email);
    const reset = await resetToken(email);
    expect((await setDisabled(admin.accessToken, id, true)).status).toBe(200);

    for (const reply of [await api.post("/auth/password/reset", { token: reset, newPassword: NEW_PASSWORD }), await api.post("/auth/email/verify", { token: verify })]) {
      expect(reply.status, reply.text).toBe(400);
      expect(reply.body).toMatchObject({ message: INVALID_TOKEN, code: "invalid_token" });
    }
    expect((await api.post("/auth/signin", { email, password: PASSWORD })).body.code).toBe("account_disabled");
    expect((await api.post("/auth/signin", { email, password: NEW_PASSWORD })).status).toBe(401);

    expect((await setDisabled(admin.accessToken, id, false)).status).toBe(200);
    const signin = await api.post("/auth/signin", { email, password: PASSWORD });
    expect(signin.status, signin.text).toBe(200);
    expect(signin.body.user.emailVerified).toBe(false);
    secrets.push(signin.body.accessToken, signin.body.refreshToken);
  });
});

describe("the mailer", () => {
  it("logs a job that fails, and the local stack keeps serving (deployed, Lambda retries it, then dead-letters it)", async () => {
    const invoke = await fetch(`${stack.lambdaUrl}/2015-03-31/functions/auth-api-local-mailer/invocations`, {
      method: "POST",
      headers: { "X-Amz-Invocation-Type": "Event" },
      body: JSON.stringify({ type: "password-reset-requested" }),
    });
    expect(invoke.status).toBe(202);
    const deadline = Date.now() + 15_000;
    while (!stack.output().includes("mail job failed") && Date.now() < deadline) await sleep(200);
    expect(stack.output()).toContain("mail job failed");
    expect((await api.get("/messages/public")).status).toBe(200);
    const { email } = await signup();
    await mail.waitFor(email, /Confirm your email/);
  });
});

describe("secrets", () => {
  it("no email holds a password, a hash, a session token or anything but its own link's token", async () => {
    const emails = await mail.all();
    expect(emails.length).toBeGreaterThan(10);
    for (const email of emails) {
      const all = `${email.subject}\n${email.body.text}\n${email.body.html}`;
      for (const secret of secrets) expect(all).not.toContain(secret);
      expect(all).not.toMatch(/\$2[aby]\$/); // bcrypt hash
      const tokens = new Set([...all.matchAll(/#token=([A-Za-z0-9_-]+)/g)].map((m) => m[1]));
      expect(tokens.size).toBeLessThanOrEqual(1);
    }
  });

  it("no log line holds an emailed token or a password", async () => {
    const output = stack.output();
    const tokens = (await mail.all()).flatMap((email) => [...(email.body.text ?? "").matchAll(/#token=([A-Za-z0-9_-]+)/g)].map((m) => m[1]!));
    expect(tokens.length).toBeGreaterThan(5);
    for (const token of tokens) expect(output).not.toContain(token);
    for (const secret of [PASSWORD, NEW_PASSWORD]) expect(output).not.toContain(secret);
  });
});
