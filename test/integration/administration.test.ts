// The administration rules against DynamoDB Local: what deletion removes, the
// condition that keeps it whole, the check that keeps two admins from
// demoting each other at once, the authorizer's read, events in the same
// transaction as their change, and the users-list backfill.
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { deleteUserItems } from "../../lib/admin/account-deletion.js";
import type { UserRecord as StoredUser } from "../../lib/users/user-store.js";
import { listSessionIds } from "../../lib/sessions/session-store.js";
import { signin } from "../../lib/accounts/signin.js";
import { signup } from "../../lib/accounts/signup.js";
import type { Actor } from "../../lib/admin/actor.js";
import { changeRoles, deleteUserAsAdmin, listUsers, setDisabled } from "../../lib/admin/user-admin.js";
import { config } from "../../lib/platform/config.js";
import { documentClient } from "../../lib/platform/dynamodb.js";
import { checkSession } from "../../lib/sessions/session-check.js";
import * as store from "../../lib/users/user-store.js";
import { grantRoles } from "../helpers/roles.js";
import { queryUsers } from "../../lib/users/user-list.js";
import { backfillUserListKeys } from "../../lib/users/user-store.js";
import { PASSWORD, jwtPayload, uniqueEmail, uniqueUsername } from "../helpers/fixtures.js";

const item = async (table: string, pk: string) => (await documentClient.send(new GetCommand({ TableName: table, Key: { pk } }))).Item;
const eventsOf = async (userId: string) =>
  (await documentClient.send(new QueryCommand({ TableName: config.eventsTable, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": `USER#${userId}` }, ScanIndexForward: false }))).Items ?? [];
const sidOf = (accessToken: string) => String(jwtPayload(accessToken).sid);

async function newAdmin(): Promise<Actor> {
  const session = await signup({ email: uniqueEmail("admin"), password: PASSWORD });
  await grantRoles(session.user.id, ["user", "admin"]);
  return { userId: session.user.id, sid: sidOf(session.accessToken), client: { ipAddress: "203.0.113.9", userAgent: "test" } };
}

describe("deleting an account", () => {
  it("removes the user, its claims, its email tokens, its lockout counter and its sessions, and records the deletion", async () => {
    const admin = await newAdmin();
    const username = uniqueUsername();
    const email = uniqueEmail();
    const session = await signup({ email, username, password: PASSWORD });
    const userId = session.user.id;
    // What the email flows and the lockout leave behind (their code lives on other branches; their item names are the contract).
    await documentClient.send(new PutCommand({ TableName: config.usersTable, Item: { pk: "TOKEN#reset-hash", userId } }));
    await documentClient.send(new PutCommand({ TableName: config.usersTable, Item: { pk: "TOKEN#verify-hash", userId } }));
    await documentClient.send(
      new UpdateCommand({ TableName: config.usersTable, Key: { pk: `USER#${userId}` }, UpdateExpression: "SET resetTokenHash = :r, verifyTokenHash = :v", ExpressionAttributeValues: { ":r": "reset-hash", ":v": "verify-hash" } }),
    );
    await expect(signin({ email, password: "wrong password!" })).rejects.toMatchObject({ statusCode: 401 });
    expect(await item(config.usersTable, `SIGNIN#user#${userId}`)).toBeDefined();

    await deleteUserAsAdmin(admin, userId);
    for (const pk of [`USER#${userId}`, `EMAIL#${email}`, `USERNAME#${username.toLowerCase()}`, "TOKEN#reset-hash", "TOKEN#verify-hash", `SIGNIN#user#${userId}`]) {
      expect(await item(config.usersTable, pk), pk).toBeUndefined();
    }
    expect(await listSessionIds(userId)).toEqual([]);
    expect(await checkSession(sidOf(session.accessToken), userId)).toBeUndefined();
    const [deleted] = await eventsOf(userId);
    expect(deleted).toMatchObject({ type: "account_deleted", ipAddress: "203.0.113.9" });
    expect(deleted!.sessionId).toBeUndefined(); // the admin's session means nothing to the deleted user
    await expect(signup({ email, username, password: PASSWORD })).resolves.toBeDefined();
  });

  it("deletes nothing when the user item changed since it was read (a new reset token), so no token outlives it", async () => {
    const session = await signup({ email: uniqueEmail(), password: PASSWORD });
    const read = (await store.getUser(session.user.id)) as StoredUser;
    await documentClient.send(
      new UpdateCommand({ TableName: config.usersTable, Key: { pk: `USER#${read.userId}` }, UpdateExpression: "SET resetTokenHash = :r", ExpressionAttributeValues: { ":r": "newer" } }),
    );
    const event = { userId: read.userId, type: "account_deleted" as const, at: Date.now() };
    expect(await deleteUserItems(read, event, { refuseAdmin: true })).toBe("changed");
    expect(await item(config.usersTable, `USER#${read.userId}`)).toBeDefined();
    expect(await item(config.usersTable, `EMAIL#${read.email}`)).toBeDefined();
    expect(await eventsOf(read.userId)).toHaveLength(1); // signup only: the event went with the cancelled transaction
  });
});

describe("the last admin", () => {
  it("lets only one of two admins demoting each other at once succeed", async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = [await newAdmin(), await newAdmin()];
      const results = await Promise.allSettled([changeRoles(a, b.userId, ["user"]), changeRoles(b, a.userId, ["user"])]);
      expect(results.filter((r) => r.status === "fulfilled"), `round ${round}`).toHaveLength(1);
      expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { statusCode: 403 } });
      const roles = [(await store.getUser(a.userId))!.roles, (await store.getUser(b.userId))!.roles];
      expect(roles.filter((r) => r.includes("admin"))).toHaveLength(1);
    }
  });

  it("refuses a disabled admin's change to another account", async () => {
    const [a, b] = [await newAdmin(), await newAdmin()];
    const target = await signup({ email: uniqueEmail(), password: PASSWORD });
    await setDisabled(b, a.userId, true);
    await expect(setDisabled(a, target.user.id, true)).rejects.toMatchObject({ statusCode: 403 });
    await expect(deleteUserAsAdmin(a, target.user.id)).rejects.toMatchObject({ statusCode: 403 });
    expect(await store.getUser(target.user.id)).toMatchObject({ userId: target.user.id });
    expect((await store.getUser(target.user.id))!.disabled).toBeUndefined();
  });
});

describe("the authorizer's read", () => {
  it("answers the current roles, and nothing for a disabled user or a session older than the last end-all", async () => {
    const admin = await newAdmin();
    const session = await signup({ email: uniqueEmail(), password: PASSWORD });
    const sid = sidOf(session.accessToken);
    expect(await checkSession(sid, session.user.id)).toEqual({ roles: ["user"], amr: ["pwd"] });
    await changeRoles(admin, session.user.id, ["user", "moderator"]);
    expect(await checkSession(sid, session.user.id)).toEqual({ roles: ["user", "moderator"], amr: ["pwd"] });
    // The session must be the token subject's own, and the subject must exist.
    expect(await checkSession(sid, admin.userId)).toBeUndefined();
    expect(await checkSession(sid, "00000000-0000-4000-8000-000000000000")).toBeUndefined();
    await setDisabled(admin, session.user.id, true);
    expect(await checkSession(sid, session.user.id)).toBeUndefined();
    await setDisabled(admin, session.user.id, false);
    expect(await checkSession(sid, session.user.id)).toBeUndefined(); // disabling ended it for good
  });
});

describe("events in the same transaction as their change", () => {
  it("records signup and signin with their session, and signin_failed without one", async () => {
    const email = uniqueEmail();
    const client = { ipAddress: "198.51.100.7", userAgent: "ua" };
    const first = await signup({ email, password: PASSWORD }, Date.now(), client);
    await expect(signin({ email, password: "wrong password!" }, Date.now(), client)).rejects.toMatchObject({ statusCode: 401 });
    const second = await signin({ email, password: PASSWORD }, Date.now(), client);
    const events = await eventsOf(first.user.id);
    expect(events.map((e) => [e.type, e.sessionId])).toEqual([
      ["signin", sidOf(second.accessToken)],
      ["signin_failed", undefined],
      ["signup", sidOf(first.accessToken)],
    ]);
    for (const event of events) {
      expect(event).toMatchObject(client);
      expect(Number(event.expiresAt) - Date.parse(String(event.at)) / 1000).toBeCloseTo(config.auditEventTtlDays * 86400, -1);
      expect(JSON.stringify(event)).not.toMatch(/\$2[aby]\$|passwordHash|refreshToken/);
    }
  });
});

describe("the users list", () => {
  it("backfills users written before the index, once, and lists them", async () => {
    const createdAt = "2001-01-01T00:00:00.000Z";
    const userId = "11111111-1111-4111-8111-111111111111";
    await documentClient.send(
      new PutCommand({ TableName: config.usersTable, Item: { pk: `USER#${userId}`, userId, email: "old@example.com", roles: ["user"], passwordHash: "x", createdAt } }),
    );
    expect(await backfillUserListKeys()).toBeGreaterThanOrEqual(1);
    expect(await backfillUserListKeys()).toBe(0);
    let found = false;
    let cursor: string | undefined;
    do {
      const page = await listUsers({ limit: 100, ...(cursor && { cursor }) });
      found ||= page.users.some((u) => u.id === userId);
      expect(JSON.stringify(page.users)).not.toContain("passwordHash");
      cursor = page.nextCursor;
    } while (cursor && !found);
    expect(found).toBe(true);
  });

  it("reads a page of exactly the limit from the index, users only", async () => {
    for (let i = 0; i < 3; i++) await signup({ email: uniqueEmail(), password: PASSWORD });
    const page = await queryUsers(2);
    expect(page.items).toHaveLength(2);
    expect(page.lastKey).toBeDefined();
    for (const user of page.items) expect(String(user.pk)).toMatch(/^USER#/);
  });
});
