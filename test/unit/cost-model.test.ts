// The cost model's arithmetic: Lambda's billed duration per memory size and
// the peers' published per-MAU prices.
import { describe, expect, it } from "vitest";
import { cognitoMonthly, ourMonthly, PROFILE } from "../../bench/cost-model.js";
import { billedMs } from "../../bench/cost.js";

describe("billed Lambda duration", () => {
  it("stretches only the CPU part below one full vCPU (1769 MB), and rounds up to whole ms", () => {
    expect(billedMs({ fn: "f", wallMs: 10.2, cpuMs: 2 }, 1769)).toBe(11);
    // 8.2 ms waiting + 2 ms of CPU at 256/1769 of a vCPU = 8.2 + 13.82
    expect(billedMs({ fn: "f", wallMs: 10.2, cpuMs: 2 }, 256)).toBe(23);
    // More memory than one vCPU buys nothing for single-threaded work.
    expect(billedMs({ fn: "f", wallMs: 10.2, cpuMs: 2 }, 3538)).toBe(11);
    expect(billedMs({ fn: "f", wallMs: 0.1, cpuMs: 0.1 }, 1769)).toBe(1);
  });
});

describe("Cognito's published prices", () => {
  it("charges Essentials $0.015 per MAU above 10,000 free, Plus $0.02 per MAU from the first", () => {
    expect(cognitoMonthly("essentials", 10_000)).toBe(0);
    expect(cognitoMonthly("essentials", 100_000)).toBeCloseTo(1350, 6);
    expect(cognitoMonthly("plus", 100_000)).toBeCloseTo(2000, 6);
  });

  it("charges Lite by volume bands: free to 10,000, $0.0055 to 100,000, $0.0046 to 1,000,000", () => {
    expect(cognitoMonthly("lite", 10_000)).toBe(0);
    expect(cognitoMonthly("lite", 100_000)).toBeCloseTo(90_000 * 0.0055, 6);
    expect(cognitoMonthly("lite", 1_000_000)).toBeCloseTo(90_000 * 0.0055 + 900_000 * 0.0046, 6);
  });
});

describe("our monthly cost", () => {
  it("is the profile's operations per user times their measured price, plus storage, and refuses an unmeasured operation", () => {
    const perMillion = Object.fromEntries(Object.keys(PROFILE.perUser).map((name) => [name, 1]));
    const perUserOps = Object.values(PROFILE.perUser).reduce((a, b) => a + b, 0);
    expect(ourMonthly(1_000_000, perMillion)).toBeGreaterThan(perUserOps);
    expect(ourMonthly(1_000_000, perMillion)).toBeLessThan(perUserOps + 1.5);
    expect(() => ourMonthly(1, { signin: 1 })).toThrow(/no measured cost/);
  });
});
