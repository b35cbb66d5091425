import { describe, expect, it } from "vitest";
import { signin, signup } from "../../lib/accounts.js";
import { UnauthorizedError } from "../../lib/errors.js";
import { endAllSessions, endSession, endSessionByRefreshToken, refreshSession } from "../../lib/sessions.js";
import * as store from "../../lib/store.js";
import { isSessionActive } from "../helpers/session-live.js";
import { PASSWORD, jwtPayload, uniqueEmail } from "../helpers/fixtures.js";

const sidOf = (accessToken: string) => jwtPayload(accessToken).sid as string;
const rejectionOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe("refresh", () => {
  it("rotates: a new refresh token works once, the old one stops working", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    const second = await refreshSession(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(sidOf(second.accessToken)).toBe(sidOf(first.accessToken));
    const third = await refreshSession(second.refreshToken);
    expect(third.user.id).toBe(first.user.id);
  });

  it("ends the whole chain when a rotated-away token is presented again", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    const second = await refreshSession(first.refreshToken);
    expect(await rejectionOf(refreshSession(first.refreshToken))).toBeInstanceOf(UnauthorizedError);
    expect(await rejectionOf(refreshSession(second.refreshToken))).toBeInstanceOf(UnauthorizedError);
    expect(await isSessionActive(sidOf(second.accessToken))).toBe(false);
  });

  it("lets exactly one of two concurrent refreshes of one token succeed", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    const results = await Promise.allSettled([refreshSession(first.refreshToken), refreshSession(first.refreshToken)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
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
    await store.setUserRoles(first.user.id, ["user", "moderator"]);
    const next = await refreshSession(first.refreshToken);
    expect(jwtPayload(next.accessToken).roles).toEqual(["user", "moderator"]);
  });
});

describe("signout", () => {
  it("ends the caller's own session (empty body)", async () => {
    const session = await signup({ email: uniqueEmail(), password: PASSWORD });
    await endSession(sidOf(session.accessToken));
    expect(await isSessionActive(sidOf(session.accessToken))).toBe(false);
    expect(await rejectionOf(refreshSession(session.refreshToken))).toBeInstanceOf(UnauthorizedError);
  });

  it("ends one session by its refresh token, only the caller's own", async () => {
    const email = uniqueEmail();
    const a = await signup({ email, password: PASSWORD });
    const b = await signin({ email, password: PASSWORD });
    const stranger = await signup({ email: uniqueEmail(), password: PASSWORD });
    expect(await rejectionOf(endSessionByRefreshToken(stranger.user.id, b.refreshToken))).toBeInstanceOf(UnauthorizedError);
    await endSessionByRefreshToken(a.user.id, b.refreshToken);
    expect(await isSessionActive(sidOf(b.accessToken))).toBe(false);
    expect(await isSessionActive(sidOf(a.accessToken))).toBe(true);
  });

  it("ends every session with allSessions", async () => {
    const email = uniqueEmail();
    const a = await signup({ email, password: PASSWORD });
    const b = await signin({ email, password: PASSWORD });
    await endAllSessions(a.user.id);
    for (const session of [a, b]) {
      expect(await isSessionActive(sidOf(session.accessToken))).toBe(false);
      expect(await rejectionOf(refreshSession(session.refreshToken))).toBeInstanceOf(UnauthorizedError);
    }
    await expect(signin({ email, password: PASSWORD })).resolves.toBeDefined();
  });
});
