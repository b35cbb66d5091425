// REFRESH_REUSE_GRACE_SECONDS=0: no grace window, every rotated-away token is reuse.
// lib/config reads the environment once, so this file sets it before importing lib.
import { describe, expect, it } from "vitest";
import { PASSWORD, jwtPayload, uniqueEmail } from "../helpers/fixtures.js";

process.env.REFRESH_REUSE_GRACE_SECONDS = "0";
const { signup } = await import("../../lib/accounts/signup.js");
const { config } = await import("../../lib/platform/config.js");
const { refreshSession } = await import("../../lib/sessions/refresh.js");
const { isSessionActive } = await import("../helpers/session-live.js");

const sidOf = (accessToken: string) => jwtPayload(accessToken).sid as string;

describe("refresh with the grace window off (0)", () => {
  it("reads the window from the environment", () => {
    expect(config.refreshReuseGraceSeconds).toBe(0);
  });

  it("ends the chain at once when the predecessor comes back", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    const now = Date.now();
    const second = await refreshSession(first.refreshToken, now);
    await expect(refreshSession(first.refreshToken, now)).rejects.toMatchObject({ statusCode: 401 });
    await expect(refreshSession(second.refreshToken, now)).rejects.toMatchObject({ statusCode: 401 });
    expect(await isSessionActive(sidOf(second.accessToken))).toBe(false);
  });

  it("lets at most one of concurrent refreshes of one token succeed, and then ends the chain", async () => {
    const first = await signup({ email: uniqueEmail(), password: PASSWORD });
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => refreshSession(first.refreshToken)));
    expect(results.filter((r) => r.status === "fulfilled").length).toBeLessThanOrEqual(1);
    expect(results.filter((r) => r.status === "rejected").length).toBeGreaterThanOrEqual(3);
    expect(await isSessionActive(sidOf(first.accessToken))).toBe(false);
  });
});
