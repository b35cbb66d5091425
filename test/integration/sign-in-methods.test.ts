// The data model for more than passwords, against DynamoDB Local and the local SES engine:
// users without a password, sessions that record how they were established, access tokens
// with amr, permissions and client_id, and signin as a pipeline.
import { randomUUID } from "node:crypto";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { resetPassword } from "../../lib/accounts/password-reset.js";
import { nextStep, signin } from "../../lib/accounts/signin.js";
import { signup } from "../../lib/accounts/signup.js";
import { listUsers } from "../../lib/admin/user-admin.js";
import { ForbiddenError, UnauthorizedError } from "../../lib/platform/errors.js";
import { deliverMailJob } from "../../lib/mail/mailer.js";
import { config } from "../../lib/platform/config.js";
import { documentClient } from "../../lib/platform/dynamodb.js";
import { transactWrite } from "../../lib/platform/transactions.js";
import { refreshSession } from "../../lib/sessions/refresh.js";
import { getSession } from "../../lib/sessions/session-store.js";
import { disabledUpdate, getUser, userCreateItems, type UserRecord } from "../../lib/users/user-store.js";
import { userById } from "../../lib/users/users.js";
import { PASSWORD, jwtPayload, uniqueEmail } from "../helpers/fixtures.js";
import { linkToken, mailbox } from "../helpers/mailbox.js";
import { grantRoles } from "../helpers/roles.js";

const mail = mailbox(inject("mailUrl"));
const rejectionOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

/** A user as a passkey or an outside provider will create one: no password at all. */
async function passwordlessUser(): Promise<UserRecord> {
  const user: UserRecord = { userId: randomUUID(), email: uniqueEmail("nopass"), emailVerified: true, roles: ["user"], createdAt: new Date().toISOString() };
  await transactWrite(userCreateItems(user));
  return user;
}

describe("a user without a password", () => {
  it("exists, says hasPassword: false, and cannot sign in with any password (the same 401 as a wrong one)", async () => {
    const user = await passwordlessUser();
    expect(await userById(user.userId)).toMatchObject({ hasPassword: false, mfaEnabled: false });
    const wrong = await rejectionOf(signin({ email: user.email, password: PASSWORD }));
    expect(wrong).toBeInstanceOf(UnauthorizedError);
    expect(wrong).toMatchObject({ code: "invalid_credentials", message: "Incorrect email or password" });
    const { user: other } = await signup({ email: uniqueEmail(), password: PASSWORD });
    expect(await rejectionOf(signin({ email: other.email, password: "not the password" }))).toMatchObject({ code: "invalid_credentials", message: (wrong as Error).message });
  });

  it("is listed with hasPassword: false, and users with a password with true", async () => {
    const user = await passwordlessUser();
    const { user: withPassword } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const [listed] = (await listUsers({ limit: 1, email: user.email })).users;
    expect(listed).toMatchObject({ id: user.userId, hasPassword: false });
    // The full list reads each page's users by id, hash-free: both flags come through.
    let cursor: string | undefined;
    const seen = new Map<string, boolean>();
    do {
      const page = await listUsers({ limit: 100, ...(cursor && { cursor }) });
      for (const u of page.users) seen.set(u.id, u.hasPassword);
      cursor = page.nextCursor;
    } while (cursor && !(seen.has(user.userId) && seen.has(withPassword.id)));
    expect(seen.get(user.userId)).toBe(false);
    expect(seen.get(withPassword.id)).toBe(true);
  });

  it("gets reset emails as usual and sets a first password through one, then signs in with it", async () => {
    const user = await passwordlessUser();
    expect(await deliverMailJob({ type: "password-reset-requested", email: user.email, jobId: randomUUID(), at: Date.now() })).toBe("sent");
    const [email] = await mail.waitFor(user.email, /Reset your/, 1, 5000);
    await resetPassword({ token: linkToken(email!, config.appUrl, "reset-password"), newPassword: "a first passphrase of mine" });
    expect(await userById(user.userId)).toMatchObject({ hasPassword: true });
    expect((await getUser(user.userId))?.passwordless).toBeUndefined();
    const session = await signin({ email: user.email, password: "a first passphrase of mine" });
    expect(session.user.hasPassword).toBe(true);
  });
});

describe("how a session was established", () => {
  it("is recorded on the session (amr), carried by its access tokens across refreshes, and named on the signin event (method)", async () => {
    const email = uniqueEmail();
    const first = await signup({ email, password: PASSWORD });
    expect(jwtPayload(first.accessToken)).toMatchObject({ amr: ["pwd"], client_id: config.firstPartyClientId, permissions: [] });
    const session = await signin({ email, password: PASSWORD });
    const sid = jwtPayload(session.accessToken).sid as string;
    expect((await getSession(sid))?.amr).toEqual(["pwd"]);
    const refreshed = await refreshSession(session.refreshToken);
    expect(jwtPayload(refreshed.accessToken)).toMatchObject({ amr: ["pwd"], sid, client_id: "first-party" });

    const { Items } = await documentClient.send(
      new QueryCommand({ TableName: config.eventsTable, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": `USER#${session.user.id}` } }),
    );
    expect(Items!.filter((item) => item.type === "signin").map((item) => item.method)).toEqual(["password"]);
  });

  it("gives access tokens the permissions of the user's roles (ROLE_PERMISSIONS), as the roles are at issue", async () => {
    const email = uniqueEmail();
    const { user } = await signup({ email, password: PASSWORD });
    await grantRoles(user.id, ["user", "admin"]);
    const admin = await signin({ email, password: PASSWORD });
    expect(jwtPayload(admin.accessToken).permissions).toEqual(["read:admin-messages", "read:moderator-messages"]);
    await grantRoles(user.id, ["user", "moderator"]);
    expect(jwtPayload((await refreshSession(admin.refreshToken)).accessToken).permissions).toEqual(["read:moderator-messages"]);
  });

  it("reads a session stored before amr existed as a password session", async () => {
    const { user, accessToken } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const sid = jwtPayload(accessToken).sid as string;
    const { UpdateCommand } = await import("@aws-sdk/lib-dynamodb");
    await documentClient.send(new UpdateCommand({ TableName: config.sessionsTable, Key: { pk: `SESSION#${sid}` }, UpdateExpression: "REMOVE amr" }));
    expect((await getSession(sid))?.amr).toEqual(["pwd"]);
    expect(user.hasPassword).toBe(true);
  });
});

describe("signin's pipeline", () => {
  it("goes from the first factor to a session for every user today (the multi-factor step joins at nextStep)", async () => {
    expect(nextStep((await passwordlessUser()) as UserRecord)).toEqual({ step: "session" });
  });

  it("checks the account after the first factor, whatever the method: a disabled account is 403 account_disabled", async () => {
    const email = uniqueEmail();
    const { user } = await signup({ email, password: PASSWORD });
    await transactWrite([disabledUpdate(user.id, true, Date.now())]);
    expect(await rejectionOf(signin({ email, password: "wrong password!" }))).toMatchObject({ code: "invalid_credentials" });
    const refused = await rejectionOf(signin({ email, password: PASSWORD }));
    expect(refused).toBeInstanceOf(ForbiddenError);
    expect(refused).toMatchObject({ statusCode: 403, code: "account_disabled" });
  });
});
