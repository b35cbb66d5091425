import { describe, expect, it } from "vitest";
import { changePassword } from "../../lib/accounts/password-change.js";
import { signin } from "../../lib/accounts/signin.js";
import { signup } from "../../lib/accounts/signup.js";
import { changeRoles } from "../../lib/admin/user-admin.js";
import { getSigninFailures } from "../../lib/methods/lockout/lockout-store.js";
import { listSessionIds } from "../../lib/sessions/session-store.js";
import { documentClient } from "../../lib/platform/dynamodb.js";
import { ConflictError, TooManyRequestsError, UnauthorizedError } from "../../lib/platform/errors.js";
import * as store from "../../lib/users/user-store.js";
import { grantRoles } from "../helpers/roles.js";
import { isSessionActive } from "../helpers/session-live.js";
import { config } from "../../lib/platform/config.js";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { PASSWORD, uniqueEmail, uniqueUsername } from "../helpers/fixtures.js";

const rejectionOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe("signup", () => {
  it("stores the user with a bcrypt hash, its uniqueness claims and its first session", async () => {
    const email = uniqueEmail();
    const username = uniqueUsername("Ada");
    const session = await signup({ email, password: PASSWORD, username, name: "Ada" });
    expect(session.user).toMatchObject({ email, username, name: "Ada", roles: ["user"] });
    expect(JSON.stringify(session)).not.toMatch(/passwordHash|\$2[aby]\$/);

    const stored = await store.getUser(session.user.id);
    expect(stored?.passwordHash).toMatch(/^\$2[aby]\$/);
    expect(stored?.passwordHash).not.toContain(PASSWORD);
    const claim = await documentClient.send(
      new GetCommand({ TableName: config.usersTable, Key: { pk: `USERNAME#${username.toLowerCase()}` } }),
    );
    expect(claim.Item?.userId).toBe(session.user.id);
    expect(await isSessionActive((await listSessionIds(session.user.id))[0]!)).toBe(true);
  });

  it("refuses a second account for the same email in any case, and for the same username in any case", async () => {
    const email = uniqueEmail();
    const username = uniqueUsername();
    await signup({ email, password: PASSWORD, username });
    expect(await rejectionOf(signup({ email, password: PASSWORD }))).toBeInstanceOf(ConflictError);
    const other = await rejectionOf(signup({ email: uniqueEmail(), password: PASSWORD, username: username.toUpperCase() }));
    expect(other).toBeInstanceOf(ConflictError);
    expect((other as Error).message).toMatch(/username/i);
  });

  it("creates exactly one account out of 20 parallel signups with one email, the rest conflict", async () => {
    const email = uniqueEmail("race");
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => signup({ email, password: PASSWORD })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const result of results.filter((r) => r.status === "rejected")) {
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    }
    const user = await store.findUserByEmail(email);
    expect(user?.userId).toBe((results.find((r) => r.status === "fulfilled") as PromiseFulfilledResult<{ user: { id: string } }>).value.user.id);
  });

  it("leaves no trace of a refused signup (the username of a duplicate-email signup stays free)", async () => {
    const email = uniqueEmail();
    await signup({ email, password: PASSWORD });
    const username = uniqueUsername();
    await expect(signup({ email, password: PASSWORD, username })).rejects.toBeInstanceOf(ConflictError);
    expect(await store.findUserIdByUsername(username)).toBeUndefined();
  });
});

describe("signin", () => {
  it("signs in by email or by username, case-insensitively", async () => {
    const email = uniqueEmail();
    const username = uniqueUsername();
    await signup({ email, password: PASSWORD, username });
    expect((await signin({ email, password: PASSWORD })).user.email).toBe(email);
    expect((await signin({ username: username.toUpperCase(), password: PASSWORD })).user.email).toBe(email);
  });

  it("gives the same 401 for an unknown email and for a wrong password", async () => {
    const email = uniqueEmail();
    await signup({ email, password: PASSWORD });
    const unknown = await rejectionOf(signin({ email: uniqueEmail(), password: PASSWORD }));
    const wrong = await rejectionOf(signin({ email, password: "not the password" }));
    expect(unknown).toBeInstanceOf(UnauthorizedError);
    expect(wrong).toBeInstanceOf(UnauthorizedError);
    expect((unknown as Error).message).toBe((wrong as Error).message);
  });

  it("locks an account after 5 failures, even for the right password, and leaves other accounts alone", async () => {
    const email = uniqueEmail("locked");
    const other = uniqueEmail("other");
    await signup({ email, password: PASSWORD });
    await signup({ email: other, password: PASSWORD });
    const now = Date.now();
    for (let i = 0; i < 5; i++) {
      expect(await rejectionOf(signin({ email, password: "wrong password!" }, now + i))).toBeInstanceOf(UnauthorizedError);
    }
    const locked = await rejectionOf(signin({ email, password: PASSWORD }, now + 10));
    expect(locked).toBeInstanceOf(TooManyRequestsError);
    expect((locked as TooManyRequestsError).headers["Retry-After"]).toBe("60");
    await expect(signin({ email: other, password: PASSWORD }, now + 10)).resolves.toBeDefined();
    // After the lock, the right password gets in and resets the count.
    await expect(signin({ email, password: PASSWORD }, now + 61_000)).resolves.toBeDefined();
    expect(await getSigninFailures(`user#${(await store.findUserByEmail(email))!.userId}`, now + 61_000)).toBeUndefined();
  });

  it("doubles the lock with each further failure", async () => {
    const email = uniqueEmail("backoff");
    await signup({ email, password: PASSWORD });
    let now = Date.now();
    for (let i = 0; i < 5; i++) await rejectionOf(signin({ email, password: "wrong password!" }, now));
    now += 61_000; // first lock (60 s) over
    await rejectionOf(signin({ email, password: "wrong password!" }, now));
    const locked = (await rejectionOf(signin({ email, password: PASSWORD }, now + 1))) as TooManyRequestsError;
    expect(locked.headers["Retry-After"]).toBe("120");
  });

  it("locks an unknown email exactly like a known one, so a 429 reveals nothing", async () => {
    const email = uniqueEmail("ghost");
    const now = Date.now();
    for (let i = 0; i < 5; i++) await rejectionOf(signin({ email, password: "wrong password!" }, now));
    expect(await rejectionOf(signin({ email, password: PASSWORD }, now + 1))).toBeInstanceOf(TooManyRequestsError);
  });

  it("answers every parallel signin during a lockout with 429", async () => {
    const email = uniqueEmail("parallel");
    await signup({ email, password: PASSWORD });
    const now = Date.now();
    for (let i = 0; i < 5; i++) await rejectionOf(signin({ email, password: "wrong password!" }, now));
    const results = await Promise.all(Array.from({ length: 10 }, () => rejectionOf(signin({ email, password: PASSWORD }, now + 5))));
    for (const result of results) expect(result).toBeInstanceOf(TooManyRequestsError);
  });
});

describe("password change and roles", () => {
  it("needs the current password, applies the policy and ends every session", async () => {
    const email = uniqueEmail();
    const first = await signup({ email, password: PASSWORD });
    await signin({ email, password: PASSWORD });
    const userId = first.user.id;
    await expect(changePassword(userId, { currentPassword: "wrong password!", newPassword: "a new long passphrase" })).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(changePassword(userId, { currentPassword: PASSWORD, newPassword: "password1" })).rejects.toMatchObject({ statusCode: 400 });
    await expect(changePassword(userId, { currentPassword: PASSWORD, newPassword: email })).rejects.toMatchObject({ statusCode: 400 });

    await changePassword(userId, { currentPassword: PASSWORD, newPassword: "a new long passphrase" });
    for (const sid of await listSessionIds(userId)) expect(await isSessionActive(sid)).toBe(false);
    await expect(signin({ email, password: PASSWORD })).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(signin({ email, password: "a new long passphrase" })).resolves.toBeDefined();
  });

  it("replaces roles of an existing user and reports an unknown one", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const admin = await signup({ email: uniqueEmail(), password: PASSWORD });
    await grantRoles(admin.user.id, ["user", "admin"]);
    const actor = { userId: admin.user.id, sid: "s", client: {} };
    expect((await changeRoles(actor, user.id, ["user", "moderator"])).roles).toEqual(["user", "moderator"]);
    await expect(changeRoles(actor, "00000000-0000-4000-8000-000000000000", ["admin"])).rejects.toMatchObject({ statusCode: 404 });
  });
});
