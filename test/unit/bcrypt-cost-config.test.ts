// BCRYPT_COST out of 10..15 is a misconfiguration: the function refuses to start rather than hash too cheaply or too slowly.
import { afterAll, describe, expect, it, vi } from "vitest";

const configured = process.env.BCRYPT_COST;
afterAll(() => {
  process.env.BCRYPT_COST = configured;
  vi.resetModules();
});

async function loadConfigWith(cost: string) {
  vi.resetModules();
  process.env.BCRYPT_COST = cost;
  return (await import("../../lib/platform/config.js")).config;
}

describe("BCRYPT_COST", () => {
  it.each(["9", "16", "0", "-12", "12.5", "twelve"])("refuses to load with %s", async (cost) => {
    await expect(loadConfigWith(cost)).rejects.toThrow("BCRYPT_COST must be an integer from 10 to 15");
  });

  it.each([["10", 10], ["15", 15], ["", 12]])("loads with %j", async (cost, expected) => {
    expect((await loadConfigWith(cost)).bcryptCost).toBe(expected);
  });
});
