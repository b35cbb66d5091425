import { describe, expect, it } from "vitest";
import { FAILURES_BEFORE_LOCK, MAX_LOCK_SECONDS, lockSecondsAfter, retryAfterSeconds } from "../../lib/methods/lockout/lockout.js";

describe("lockout backoff", () => {
  it("is free for the first four failures and locks at the fifth", () => {
    for (let failures = 0; failures < FAILURES_BEFORE_LOCK; failures++) expect(lockSecondsAfter(failures)).toBe(0);
    expect(lockSecondsAfter(5)).toBe(60);
  });

  it("doubles with each further failure and is capped at 15 minutes", () => {
    expect([5, 6, 7, 8, 9, 10, 50, 10_000].map(lockSecondsAfter)).toEqual([60, 120, 240, 480, 900, 900, 900, 900]);
    expect(lockSecondsAfter(1e9)).toBe(MAX_LOCK_SECONDS);
  });

  it("reports whole seconds left, at least one, and zero once the lock has passed", () => {
    expect(retryAfterSeconds(undefined, 1000)).toBe(0);
    expect(retryAfterSeconds(1000, 1000)).toBe(0);
    expect(retryAfterSeconds(1001, 1000)).toBe(1);
    expect(retryAfterSeconds(61_000, 1000)).toBe(60);
  });
});
