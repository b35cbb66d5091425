import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { signin } from "../../lib/accounts/signin.js";
import { signup } from "../../lib/accounts/signup.js";
import { config } from "../../lib/platform/config.js";
import { documentClient } from "../../lib/platform/dynamodb.js";
import { NotFoundError, UnauthorizedError } from "../../lib/platform/errors.js";
import { listSessions, revokeOwnSession } from "../../lib/sessions/device-list.js";
import { refreshSession } from "../../lib/sessions/refresh.js";
import * as store from "../../lib/sessions/session-store.js";
import { newSession } from "../../lib/sessions/sessions.js";
import { endAllSessions, endSession, endSessionByRefreshToken } from "../../lib/sessions/signout.js";
import { transactWrite, writeItem } from "../../lib/platform/transactions.js";
import { sessionsRevokedUpdate } from "../../lib/users/user-store.js";
import { grantRoles } from "../helpers/roles.js";
import { isSessionActive } from "../helpers/session-live.js";
import { PASSWORD, jwtPayload, uniqueEmail } from "../helpers/fixtures.js";

const sidOf = (accessToken: string) => jwtPayload(accessToken).sid as string;
const rejectionOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);
const GRACE_MS = config.refreshReuseGraceSeconds * 1000;
const laptop = { ipAddress: "203.0.113.7", userAgent: "Laptop/1.0" };
const phone = { ipAddress: "198.51.100.23", userAgent: "Phone/2.0" };

/** The user's audit events, oldest first. */
/** The user's events other than those of signing up and in (which every test here starts with). */
async function eventsOf(userId: string) {
  const { Items } = await documentClient.send(
    new QueryCommand({
      TableName: config.eventsTable,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": `USER#${userId}` },
      ConsistentRead: true,
    }),
  );
  return (Items ?? [])
    .filter(({ type }) => type !== "signup" && type !== "signin")
    .map(({ type, sessionId, ipAddress, userAgent }) => ({ type, sessionId, ipAddress, userAgent }));
}

describe("refresh", () => {
  it("rotates: each refresh hands out a new refresh token of the same session, which refreshes again", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    const second = await refreshSession(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(sidOf(second.accessToken)).toBe(sidOf(first.accessToken));
    const third = await refreshSession(second.refreshToken);
    expect(third.user.id).toBe(first.user.id);
  });

  it("ends the chain and records refresh_reuse_detected with the presenter's device", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    const now = Date.now();
    await refreshSession(first.refreshToken, now);
    await expect(refreshSession(first.refreshToken, now + GRACE_MS + 1, phone)).rejects.toBeInstanceOf(UnauthorizedError);
    const reuse = (await eventsOf(first.user.id)).filter((event) => event.type === "refresh_reuse_detected");
    expect(reuse).toEqual([{ type: "refresh_reuse_detected", sessionId: sidOf(first.accessToken), ...phone }]);
  });

  it("gives every one of concurrent refreshes of one token 200 and the same next token, which works", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    const results = await Promise.all(Array.from({ length: 8 }, () => refreshSession(first.refreshToken)));
    const handedOut = new Set(results.map((r) => r.refreshToken));
    expect(handedOut.size).toBe(1);
    expect(handedOut.has(first.refreshToken)).toBe(false);
    expect(await isSessionActive(sidOf(first.accessToken))).toBe(true);
    const next = await refreshSession(results[0]!.refreshToken);
    expect(sidOf(next.accessToken)).toBe(sidOf(first.accessToken));
  });

  it("answers a retry after a lost response with the same next token; both the lost and the retried one work", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    const now = Date.now();
    const lost = await refreshSession(first.refreshToken, now);
    const retried = await refreshSession(first.refreshToken, now + GRACE_MS);
    expect(retried.refreshToken).toBe(lost.refreshToken);
    expect(retried.accessToken).not.toBe(lost.accessToken);
    await expect(refreshSession(lost.refreshToken, now + GRACE_MS)).resolves.toBeDefined();
  });

  it("ends the chain when the predecessor comes back after the window", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    const now = Date.now();
    const second = await refreshSession(first.refreshToken, now);
    expect(await rejectionOf(refreshSession(first.refreshToken, now + GRACE_MS + 1))).toBeInstanceOf(UnauthorizedError);
    expect(await rejectionOf(refreshSession(second.refreshToken, now + GRACE_MS + 2))).toBeInstanceOf(UnauthorizedError);
    expect(await isSessionActive(sidOf(second.accessToken))).toBe(false);
  });

  it("ends the chain when a token older than the predecessor comes back, even within the window", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    const now = Date.now();
    const second = await refreshSession(first.refreshToken, now);
    const third = await refreshSession(second.refreshToken, now + 1);
    expect(await rejectionOf(refreshSession(first.refreshToken, now + 2))).toBeInstanceOf(UnauthorizedError);
    expect(await rejectionOf(refreshSession(third.refreshToken, now + 3))).toBeInstanceOf(UnauthorizedError);
    expect(await isSessionActive(sidOf(third.accessToken))).toBe(false);
  });

  it("does not repeat for a session that ended within the window", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    await refreshSession(first.refreshToken);
    await endSession(first.user.id, sidOf(first.accessToken));
    expect(await rejectionOf(refreshSession(first.refreshToken))).toBeInstanceOf(UnauthorizedError);
  });

  it("records the use at each rotation: lastUsedAt and the device as it is now", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD }, Date.now(), laptop);
    const sid = sidOf(first.accessToken);
    const later = Date.now() + 60_000;
    await refreshSession(first.refreshToken, later, phone);
    const session = await store.getSession(sid);
    expect(session).toMatchObject({ lastUsedAt: later, rotatedAt: later, ...phone });
    expect(session!.createdAt).toBeLessThan(later);
  });

  it("keeps the stored IP and User-Agent when a refresh reports none", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD }, Date.now(), laptop);
    await refreshSession(first.refreshToken, Date.now(), {});
    expect(await store.getSession(sidOf(first.accessToken))).toMatchObject(laptop);
  });

  it("rejects unknown and expired refresh tokens", async () => {
    expect(await rejectionOf(refreshSession("not-a-token"))).toBeInstanceOf(UnauthorizedError);
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    const thirtyOneDays = 31 * 24 * 60 * 60 * 1000;
    expect(await rejectionOf(refreshSession(first.refreshToken, Date.now() + thirtyOneDays))).toBeInstanceOf(UnauthorizedError);
    // Nothing was rotated by the rejected attempt.
    await expect(refreshSession(first.refreshToken)).resolves.toBeDefined();
  });

  it("rejects a made-up token naming a real session, without ending that session", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    const sid = sidOf(first.accessToken);
    expect(await rejectionOf(refreshSession(`${sid}.${"A".repeat(43)}`))).toBeInstanceOf(UnauthorizedError);
    expect(await isSessionActive(sid)).toBe(true);
    await expect(refreshSession(first.refreshToken)).resolves.toBeDefined();
  });

  it("picks up role changes in the new access token", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    await grantRoles(first.user.id, ["user", "moderator"]);
    const next = await refreshSession(first.refreshToken);
    expect(jwtPayload(next.accessToken).roles).toEqual(["user", "moderator"]);
  });
});

describe("signout", () => {
  it("ends the caller's own session (empty body) and records signout once", async () => {
    const session = await signup({ email: uniqueEmail(), password: PASSWORD });
    await endSession(session.user.id, sidOf(session.accessToken), Date.now(), laptop);
    await endSession(session.user.id, sidOf(session.accessToken), Date.now(), laptop);
    expect(await isSessionActive(sidOf(session.accessToken))).toBe(false);
    expect(await rejectionOf(refreshSession(session.refreshToken))).toBeInstanceOf(UnauthorizedError);
    expect(await eventsOf(session.user.id)).toEqual([{ type: "signout", sessionId: sidOf(session.accessToken), ...laptop }]);
  });

  it("ends one session by its refresh token, only the caller's own", async () => {
    const email = uniqueEmail();
    const a = await signup({ email, password: PASSWORD });
    const b = await signin({ email, password: PASSWORD });
    const stranger = await signup({ email: uniqueEmail(), password: PASSWORD });
    expect(await rejectionOf(endSessionByRefreshToken(stranger.user.id, b.refreshToken))).toBeInstanceOf(UnauthorizedError);
    await endSessionByRefreshToken(a.user.id, b.refreshToken, Date.now(), laptop);
    expect(await isSessionActive(sidOf(b.accessToken))).toBe(false);
    expect(await isSessionActive(sidOf(a.accessToken))).toBe(true);
    expect(await eventsOf(a.user.id)).toEqual([{ type: "signout", sessionId: sidOf(b.accessToken), ...laptop }]);
    expect(await eventsOf(stranger.user.id)).toEqual([]);
  });

  it("ends every session with allSessions", async () => {
    const email = uniqueEmail();
    const a = await signup({ email, password: PASSWORD });
    const b = await signin({ email, password: PASSWORD });
    await endAllSessions(a.user.id, Date.now(), laptop);
    for (const session of [a, b]) {
      expect(await isSessionActive(sidOf(session.accessToken))).toBe(false);
      expect(await rejectionOf(refreshSession(session.refreshToken))).toBeInstanceOf(UnauthorizedError);
    }
    expect(await eventsOf(a.user.id)).toEqual([{ type: "signout", sessionId: undefined, ...laptop }]);
    await expect(signin({ email, password: PASSWORD })).resolves.toBeDefined();
  });
});

describe("the device list", () => {
  it("lists the user's live sessions, most recently used first, with their devices and the caller's marked current", async () => {
    const email = uniqueEmail();
    const now = Date.now();
    const a = await signup({ email, password: PASSWORD }, now - 3000, laptop);
    const b = await signin({ email, password: PASSWORD }, now - 2000, phone);
    await signup({ email: uniqueEmail(), password: PASSWORD }); // another user's session stays out
    const list = await listSessions(a.user.id, sidOf(a.accessToken), now);
    expect(list).toEqual([
      {
        id: sidOf(b.accessToken),
        createdAt: new Date(now - 2000).toISOString(),
        lastUsedAt: new Date(now - 2000).toISOString(),
        ...phone,
        device: "Phone",
        current: false,
      },
      {
        id: sidOf(a.accessToken),
        createdAt: new Date(now - 3000).toISOString(),
        lastUsedAt: new Date(now - 3000).toISOString(),
        ...laptop,
        device: "Laptop",
        current: true,
      },
    ]);
    // A refresh moves its session to the top, with its new lastUsedAt.
    await refreshSession(a.refreshToken, now - 1000, laptop);
    const [top] = await listSessions(a.user.id, sidOf(b.accessToken), now);
    expect(top).toMatchObject({ id: sidOf(a.accessToken), lastUsedAt: new Date(now - 1000).toISOString(), current: false });
  });

  it("leaves out ended, expired, and 'every session ended' sessions", async () => {
    const email = uniqueEmail();
    const a = await signup({ email, password: PASSWORD });
    const b = await signin({ email, password: PASSWORD });
    await endSession(a.user.id, sidOf(b.accessToken));
    expect((await listSessions(a.user.id, sidOf(a.accessToken))).map((s) => s.id)).toEqual([sidOf(a.accessToken)]);
    const thirtyOneDays = 31 * 24 * 60 * 60 * 1000;
    expect(await listSessions(a.user.id, sidOf(a.accessToken), Date.now() + thirtyOneDays)).toEqual([]);
    await transactWrite([sessionsRevokedUpdate(a.user.id, Date.now())]);
    expect(await listSessions(a.user.id, sidOf(a.accessToken))).toEqual([]);
  });

  it("reads more sessions than one BatchGetItem call holds", async () => {
    const email = uniqueEmail();
    const first = await signup({ email, password: PASSWORD });
    // Straight to the store, a few at a time: 120 signins would only measure bcrypt.
    for (let batch = 0; batch < 12; batch++) {
      await Promise.all(Array.from({ length: 10 }, () => writeItem(store.sessionPut(newSession({ userId: first.user.id }, ["pwd"], Date.now()).record))));
    }
    expect(await listSessions(first.user.id, sidOf(first.accessToken))).toHaveLength(121);
  });
});

describe("revoking one of the user's sessions", () => {
  it("ends it (refresh token and access tokens) and records session_revoked; the others live on", async () => {
    const email = uniqueEmail();
    const a = await signup({ email, password: PASSWORD });
    const b = await signin({ email, password: PASSWORD });
    await revokeOwnSession(a.user.id, sidOf(b.accessToken), Date.now(), laptop);
    expect(await isSessionActive(sidOf(b.accessToken))).toBe(false);
    expect(await rejectionOf(refreshSession(b.refreshToken))).toBeInstanceOf(UnauthorizedError);
    expect(await isSessionActive(sidOf(a.accessToken))).toBe(true);
    expect(await eventsOf(a.user.id)).toEqual([{ type: "session_revoked", sessionId: sidOf(b.accessToken), ...laptop }]);
    expect((await listSessions(a.user.id, sidOf(a.accessToken))).map((s) => s.id)).toEqual([sidOf(a.accessToken)]);
  });

  it("answers 404 for another user's, an unknown, a malformed or an already ended session, and changes nothing", async () => {
    const a = await signup({ email: uniqueEmail(), password: PASSWORD });
    const stranger = await signup({ email: uniqueEmail(), password: PASSWORD });
    const ended = await signin({ email: stranger.user.email, password: PASSWORD });
    await revokeOwnSession(stranger.user.id, sidOf(ended.accessToken));
    for (const sid of [sidOf(stranger.accessToken), "00000000-0000-4000-8000-000000000000", "not-a-session", sidOf(ended.accessToken)]) {
      expect(await rejectionOf(revokeOwnSession(a.user.id, sid)), sid).toBeInstanceOf(NotFoundError);
    }
    expect(await rejectionOf(revokeOwnSession(stranger.user.id, sidOf(ended.accessToken)))).toBeInstanceOf(NotFoundError);
    expect(await isSessionActive(sidOf(stranger.accessToken))).toBe(true);
    expect(await eventsOf(a.user.id)).toEqual([]);
  });
});

describe("a session's absolute lifetime (SESSION_MAX_AGE_SECONDS, 90 days by default)", () => {
  const day = 24 * 60 * 60 * 1000;

  it("ends 90 days after signin however often it refreshed: its refresh token answers 401, its access tokens stop working", async () => {
    const start = Date.now();
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    let session: { refreshToken: string; accessToken: string } = first;
    // Every 29 days, within the refresh token's 30: each refresh alone would keep it going forever.
    for (const at of [29, 58, 87]) session = await refreshSession(session.refreshToken, start + at * day);
    const stored = (await store.getSession(sidOf(first.accessToken)))!;
    // The last refresh token expires with the session, not 30 days after its refresh.
    expect(stored.expiresAt).toBe(Math.ceil(stored.createdAt / 1000) + config.sessionMaxAgeSeconds);
    expect(await isSessionActive(sidOf(first.accessToken), start + 89 * day)).toBe(true);
    expect(await isSessionActive(sidOf(first.accessToken), start + 90 * day + 1000)).toBe(false);
    expect(await rejectionOf(refreshSession(session.refreshToken, start + 90 * day + 1000))).toBeInstanceOf(UnauthorizedError);
  });
});
