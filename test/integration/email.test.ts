// Account recovery and verification against DynamoDB Local and the local SES engine:
// handlers queue jobs (taken by the Lambda sink), the mailer runs them in process.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { deleteMyAccount } from "../../lib/accounts/deletion.js";
import { changePassword } from "../../lib/accounts/password-change.js";
import { signin } from "../../lib/accounts/signin.js";
import { signup } from "../../lib/accounts/signup.js";
import type { Actor } from "../../lib/admin/actor.js";
import { setDisabled } from "../../lib/admin/user-admin.js";
import { config } from "../../lib/platform/config.js";
import { documentClient } from "../../lib/platform/dynamodb.js";
import { resendVerificationEmail, verifyEmail } from "../../lib/accounts/email-verification.js";
import { BadRequestError, ForbiddenError, TooManyRequestsError, UnauthorizedError } from "../../lib/platform/errors.js";
import type { MailJob, MailRequest } from "../../lib/mail/jobs.js";
import { deliverMailJob } from "../../lib/mail/mailer.js";
import { issueOneTimeToken } from "../../lib/one-time-tokens/one-time-token-store.js";
import { TOKEN_REJECTED, hashOneTimeToken, newOneTimeToken, tokenExpiresAt } from "../../lib/one-time-tokens/one-time-tokens.js";
import { resetPassword } from "../../lib/accounts/password-reset.js";
import * as store from "../../lib/users/user-store.js";
import { handler as forgotHandler } from "../../functions/auth/forgot-password.js";
import { apiEvent, lambdaContext } from "../helpers/events.js";
import { PASSWORD, jwtPayload, uniqueEmail } from "../helpers/fixtures.js";
import { sinkJobs } from "../helpers/lambda-sink.js";
import { linkToken, mailbox } from "../helpers/mailbox.js";
import { grantRoles } from "../helpers/roles.js";

const mail = mailbox(inject("mailUrl"));
const NEW_PASSWORD = "a different passphrase entirely";
const rejectionOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);
const job = (request: MailRequest, at = Date.now()): MailJob => ({ ...request, jobId: randomUUID(), at });
const MINUTE = 60_000;

async function item(pk: string) {
  return (await documentClient.send(new GetCommand({ TableName: config.usersTable, Key: { pk }, ConsistentRead: true }))).Item;
}

async function eventTypes(userId: string): Promise<Record<string, unknown>[]> {
  const { Items } = await documentClient.send(
    new QueryCommand({ TableName: config.eventsTable, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": `USER#${userId}` } }),
  );
  return Items ?? [];
}

async function lastResetToken(email: string, count: number) {
  const emails = await mail.waitFor(email, /Reset your/, count, 5000);
  return linkToken(emails[count - 1]!, config.appUrl, "reset-password");
}

async function lastVerifyToken(email: string, count: number) {
  const emails = await mail.waitFor(email, /Confirm your email/, count, 5000);
  return linkToken(emails[count - 1]!, config.appUrl, "verify-email");
}

/** The verification jobs queued for `userId` (signup, resend), oldest first. */
async function verificationJobs(userId: string): Promise<MailJob[]> {
  return (await sinkJobs(inject("lambdaUrl"))).filter((j) => j.userId === userId && j.type === "verification-requested");
}

const verificationEmailsTo = async (email: string) => (await mail.to(email)).filter((e) => /Confirm your email/.test(e.subject));

const actorOf = (session: { user: { id: string }; accessToken: string }): Actor => ({
  userId: session.user.id,
  sid: String(jwtPayload(session.accessToken).sid),
  client: {},
});

async function newAdmin(): Promise<Actor> {
  const session = await signup({ email: uniqueEmail("admin"), password: PASSWORD });
  await grantRoles(session.user.id, ["user", "admin"]);
  return actorOf(session);
}

describe("forgot password", () => {
  it("queues one job and answers 202 alike for known and unknown addresses; the mailer alone looks the account up", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const unknown = uniqueEmail("nobody");
    const call = (email: string) =>
      forgotHandler(apiEvent({ httpMethod: "POST", resource: "/auth/password/forgot", headers: { "Content-Type": "application/json", "User-Agent": "test-agent" }, body: JSON.stringify({ email: email.toUpperCase() }) }), lambdaContext);
    const [known, other] = [await call(user.email), await call(unknown)];
    expect(known.statusCode).toBe(202);
    expect(other.statusCode).toBe(202);
    expect(other.body).toBe(known.body);

    const jobs = await sinkJobs(inject("lambdaUrl"));
    const queued = jobs.filter((j) => j.email === user.email || j.email === unknown);
    expect(queued.map((j) => j.type)).toEqual(["password-reset-requested", "password-reset-requested"]);
    expect(queued[0].client).toEqual({ userAgent: "test-agent" });

    expect(await deliverMailJob(queued[1])).toBe("no-account");
    expect(await deliverMailJob(queued[0])).toBe("sent");
    const token = await lastResetToken(user.email, 1);
    // Stored only as its hash, with the user holding it, and the request recorded.
    const hash = hashOneTimeToken(token);
    expect(await item(`TOKEN#${token}`)).toBeUndefined();
    expect(await item(`TOKEN#${hash}`)).toMatchObject({ kind: "reset", userId: user.id });
    expect((await store.getUser(user.id))?.resetTokenHash).toBe(hash);
    expect(await eventTypes(user.id)).toContainEqual(expect.objectContaining({ type: "password_reset_requested", userAgent: "test-agent" }));
  });

  it("a newer reset token replaces the older one, whose item is deleted", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const now = Date.now();
    expect(await deliverMailJob(job({ type: "password-reset-requested", email: user.email }), now)).toBe("sent");
    const first = await lastResetToken(user.email, 1);
    expect(await deliverMailJob(job({ type: "password-reset-requested", email: user.email }), now + 2 * MINUTE)).toBe("sent");
    const second = await lastResetToken(user.email, 2);
    expect(await item(`TOKEN#${hashOneTimeToken(first)}`)).toBeUndefined();
    expect(await rejectionOf(resetPassword({ token: first, newPassword: NEW_PASSWORD }, now + 3 * MINUTE))).toBeInstanceOf(BadRequestError);
    await resetPassword({ token: second, newPassword: NEW_PASSWORD }, now + 3 * MINUTE);
  });
});

describe("email limits", () => {
  it("admit one email a minute and five an hour per address, known or not; a retried job is not counted twice", async () => {
    const email = uniqueEmail("limited");
    const t0 = Date.now();
    const first = job({ type: "password-reset-requested", email });
    expect(await deliverMailJob(first, t0)).toBe("no-account");
    expect(await deliverMailJob(job({ type: "password-reset-requested", email }), t0 + 1000)).toBe("over-limit");
    expect(await deliverMailJob(first, t0 + 2000)).toBe("no-account"); // Lambda's retry of the admitted job
    for (let minute = 1; minute <= 4; minute++) {
      expect(await deliverMailJob(job({ type: "password-reset-requested", email }), t0 + minute * 61_000)).toBe("no-account");
    }
    expect(await deliverMailJob(job({ type: "password-reset-requested", email }), t0 + 5 * 61_000)).toBe("over-limit");
    expect(await deliverMailJob(job({ type: "password-reset-requested", email }), t0 + 61 * MINUTE)).toBe("no-account");
  });

  it("count every verification email per address, signup's too: one resend right after signup goes out, then two a minute and five an hour", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const t0 = Date.now();
    const [signupJob] = await verificationJobs(user.id);
    expect(signupJob).toBeDefined();
    expect(signupJob).not.toHaveProperty("limited");
    expect(await deliverMailJob(signupJob!, t0)).toBe("sent");
    await resendVerificationEmail(user.id, t0 + 1000);
    const resend = (await verificationJobs(user.id))[1]!;
    expect(await deliverMailJob(resend, t0 + 1000)).toBe("sent");
    expect(await deliverMailJob(job({ type: "verification-requested", userId: user.id }), t0 + 2000)).toBe("over-limit");
    expect(await deliverMailJob(resend, t0 + 3000)).toBe("sent"); // Lambda's retry of an admitted job
    expect(await deliverMailJob(job({ type: "verification-requested", userId: user.id }), t0 + 61_000)).toBe("sent");
    expect(await deliverMailJob(job({ type: "verification-requested", userId: user.id }), t0 + 62_000)).toBe("sent");
    expect(await deliverMailJob(job({ type: "verification-requested", userId: user.id }), t0 + 122_000)).toBe("sent");
    // Five this hour: the next minutes' windows have room, the hour's has none.
    expect(await deliverMailJob(job({ type: "verification-requested", userId: user.id }), t0 + 183_000)).toBe("over-limit");
    expect(await deliverMailJob(job({ type: "verification-requested", userId: user.id }), t0 + 61 * MINUTE)).toBe("sent");
    await verifyEmail(await lastVerifyToken(user.email, 7), t0 + 61 * MINUTE);
    expect(await deliverMailJob(job({ type: "verification-requested", userId: user.id }), t0 + 63 * MINUTE)).toBe("already-verified");
  });

  it("count verification emails by address, not account: signup, delete, signup again and resend within a minute send two; every request answers as usual", async () => {
    const email = uniqueEmail("again");
    const first = await signup({ email, password: PASSWORD });
    expect(await deliverMailJob((await verificationJobs(first.user.id))[0]!)).toBe("sent");
    await deleteMyAccount(actorOf(first), PASSWORD);

    const second = await signup({ email, password: PASSWORD });
    expect(second.user.email).toBe(email);
    expect(await deliverMailJob((await verificationJobs(second.user.id))[0]!)).toBe("sent");
    await resendVerificationEmail(second.user.id);
    expect(await deliverMailJob((await verificationJobs(second.user.id))[1]!)).toBe("over-limit");
    await deleteMyAccount(actorOf(second), PASSWORD);

    const third = await signup({ email, password: PASSWORD });
    expect(third.accessToken).toEqual(expect.any(String));
    expect(await deliverMailJob((await verificationJobs(third.user.id))[0]!)).toBe("over-limit");
    await sleep(500);
    expect(await verificationEmailsTo(email)).toHaveLength(2);
  });

  it("count verification and reset emails apart: a reset link still goes out to an address over its verification limit", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const now = Date.now();
    for (const outcome of ["sent", "sent", "over-limit"]) {
      expect(await deliverMailJob(job({ type: "verification-requested", userId: user.id }), now)).toBe(outcome);
    }
    expect(await deliverMailJob(job({ type: "password-reset-requested", email: user.email }), now)).toBe("sent");
  });
});

describe("a disabled account", () => {
  it("cannot spend a reset token issued before it was disabled: 400 invalid_token, the password unchanged; enabled again, the old password signs in", async () => {
    const admin = await newAdmin();
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    expect(await deliverMailJob(job({ type: "password-reset-requested", email: user.email }))).toBe("sent");
    const token = await lastResetToken(user.email, 1);
    const before = await store.getUser(user.id);
    await setDisabled(admin, user.id, true);

    const refused = await rejectionOf(resetPassword({ token, newPassword: NEW_PASSWORD }));
    expect(refused).toBeInstanceOf(BadRequestError);
    expect(refused).toMatchObject({ code: "invalid_token", message: TOKEN_REJECTED });
    const after = await store.getUser(user.id);
    expect(after?.passwordHash).toBe(before?.passwordHash);
    expect(after?.emailVerified).toBeFalsy();
    expect(await eventTypes(user.id)).not.toContainEqual(expect.objectContaining({ type: "password_reset" }));
    expect(await rejectionOf(signin({ email: user.email, password: PASSWORD }))).toMatchObject({ code: "account_disabled" });

    await setDisabled(admin, user.id, false);
    expect((await signin({ email: user.email, password: PASSWORD })).user.id).toBe(user.id);
    expect(await rejectionOf(signin({ email: user.email, password: NEW_PASSWORD }))).toBeInstanceOf(UnauthorizedError);
  });

  it("cannot spend a verification token issued before it was disabled: 400 invalid_token, the email stays unverified", async () => {
    const admin = await newAdmin();
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    expect(await deliverMailJob((await verificationJobs(user.id))[0]!)).toBe("sent");
    const token = await lastVerifyToken(user.email, 1);
    await setDisabled(admin, user.id, true);

    const refused = await rejectionOf(verifyEmail(token));
    expect(refused).toBeInstanceOf(BadRequestError);
    expect(refused).toMatchObject({ code: "invalid_token", message: TOKEN_REJECTED });
    expect((await store.getUser(user.id))?.emailVerified).toBeFalsy();
    await setDisabled(admin, user.id, false);
    expect((await signin({ email: user.email, password: PASSWORD })).user.emailVerified).toBe(false);
  });

  it("is sent no verification link and no reset link, and issues no token", async () => {
    const admin = await newAdmin();
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    await setDisabled(admin, user.id, true);
    expect(await deliverMailJob((await verificationJobs(user.id))[0]!)).toBe("disabled");
    await resendVerificationEmail(user.id);
    expect(await deliverMailJob((await verificationJobs(user.id))[1]!)).toBe("disabled");
    expect(await deliverMailJob(job({ type: "password-reset-requested", email: user.email }))).toBe("disabled");
    const stored = await store.getUser(user.id);
    expect(stored?.verifyTokenHash).toBeUndefined();
    expect(stored?.resetTokenHash).toBeUndefined();
    await sleep(500);
    expect(await mail.to(user.email)).toEqual([]);
    expect(await rejectionOf(signin({ email: user.email, password: PASSWORD }))).toBeInstanceOf(ForbiddenError);
  });
});

describe("password reset", () => {
  it("sets the password, ends sessions, clears the lockout, verifies the email and records the event, all in one", async () => {
    const session = await signup({ email: uniqueEmail(), password: PASSWORD });
    const { user } = session;
    for (let i = 0; i < 5; i++) await rejectionOf(signin({ email: user.email, password: "wrong password!" }));
    expect(await rejectionOf(signin({ email: user.email, password: PASSWORD }))).toBeInstanceOf(TooManyRequestsError);
    await deliverMailJob(job({ type: "password-reset-requested", email: user.email }));
    const token = await lastResetToken(user.email, 1);

    await resetPassword({ token, newPassword: NEW_PASSWORD }, Date.now(), { ipAddress: "203.0.113.9" });
    const stored = await store.getUser(user.id);
    expect(stored).toMatchObject({ emailVerified: true });
    expect(stored?.resetTokenHash).toBeUndefined();
    expect(stored?.sessionsRevokedAt).toBeGreaterThan(0);
    expect(await item(`SIGNIN#user#${user.id}`)).toBeUndefined();
    expect(await item(`TOKEN#${hashOneTimeToken(token)}`)).toBeUndefined();
    expect(await eventTypes(user.id)).toContainEqual(expect.objectContaining({ type: "password_reset", ipAddress: "203.0.113.9" }));
    expect((await signin({ email: user.email, password: NEW_PASSWORD })).user.emailVerified).toBe(true);
  });

  it("rejects a stale token with the same 400, however long TTL takes to delete it", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const now = Date.now();
    await deliverMailJob(job({ type: "password-reset-requested", email: user.email }), now);
    const token = await lastResetToken(user.email, 1);
    const stale = await rejectionOf(resetPassword({ token, newPassword: NEW_PASSWORD }, now + config.resetTokenTtlSeconds * 1000 + 1000));
    expect(stale).toBeInstanceOf(BadRequestError);
    expect((stale as Error).message).toBe((await rejectionOf(resetPassword({ token: "x".repeat(43), newPassword: NEW_PASSWORD })) as Error).message);
  });

  it("makes no link for an address the account has left since the mail job read it (an email change confirmed in between)", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const { hash } = newOneTimeToken();
    const expiresAt = tokenExpiresAt("reset", Date.now());
    // The mail job read the account while it had another address; the token must not become the account's.
    const issued = await issueOneTimeToken({ kind: "reset", userId: user.id, accountEmail: uniqueEmail("left"), hash, expiresAt });
    expect(issued).toBe(false);
    expect((await store.getUser(user.id))?.resetTokenHash).toBeUndefined();
    expect(await item(`TOKEN#${hash}`)).toBeUndefined();
    // With the address it has, the same write works.
    expect(await issueOneTimeToken({ kind: "reset", userId: user.id, accountEmail: user.email, hash, expiresAt })).toBe(true);
    expect((await store.getUser(user.id))?.resetTokenHash).toBe(hash);
  });

  it("a password change kills a pending reset token", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    await deliverMailJob(job({ type: "password-reset-requested", email: user.email }));
    const token = await lastResetToken(user.email, 1);
    await changePassword(user.id, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    expect((await store.getUser(user.id))?.resetTokenHash).toBeUndefined();
    expect(await rejectionOf(resetPassword({ token, newPassword: "yet another passphrase" }))).toBeInstanceOf(BadRequestError);
    const jobs = await sinkJobs(inject("lambdaUrl"));
    expect(jobs).toContainEqual(expect.objectContaining({ type: "password-changed", userId: user.id }));
  });
});

describe("email verification", () => {
  it("signup queues the verification email; its token verifies once, records the event, and goes stale after 24 hours", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const [queued] = await verificationJobs(user.id);
    expect(queued).toMatchObject({ type: "verification-requested", userId: user.id });
    await deliverMailJob(queued!);
    const token = linkToken((await mail.waitFor(user.email, /Confirm your email/, 1, 5000))[0]!, config.appUrl, "verify-email");

    const now = Date.now();
    expect(await rejectionOf(verifyEmail(token, now + 24 * 60 * MINUTE + 1000))).toBeInstanceOf(BadRequestError);
    expect(await verifyEmail(token, now, { userAgent: "ua" })).toMatchObject({ id: user.id, emailVerified: true });
    expect(await rejectionOf(verifyEmail(token, now))).toBeInstanceOf(BadRequestError);
    expect(await eventTypes(user.id)).toContainEqual(expect.objectContaining({ type: "email_verified", userAgent: "ua" }));
  });

  it("a reset token is no verification token, nor the other way round", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    await deliverMailJob(job({ type: "password-reset-requested", email: user.email }));
    await deliverMailJob(job({ type: "verification-requested", userId: user.id }));
    const reset = await lastResetToken(user.email, 1);
    const verify = linkToken((await mail.waitFor(user.email, /Confirm your email/, 1, 5000))[0]!, config.appUrl, "verify-email");
    expect(await rejectionOf(verifyEmail(reset))).toBeInstanceOf(BadRequestError);
    expect(await rejectionOf(resetPassword({ token: verify, newPassword: NEW_PASSWORD }))).toBeInstanceOf(BadRequestError);
    expect(await rejectionOf(signin({ email: user.email, password: NEW_PASSWORD }))).toBeInstanceOf(UnauthorizedError);
  });
});
