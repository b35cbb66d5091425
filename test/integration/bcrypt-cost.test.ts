// Raising BCRYPT_COST (10 -> 11 here): the dummy hash an unknown account is compared against is made at the
// new cost, and a known account's hash is made again at it on its next signin, so that both paths do equal work.
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import bcrypt from "bcryptjs";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { PASSWORD, uniqueEmail } from "../helpers/fixtures.js";

const configured = process.env.BCRYPT_COST;
afterAll(() => {
  process.env.BCRYPT_COST = configured;
  vi.resetModules();
});
afterEach(() => vi.restoreAllMocks());

/** The service's modules as a container configured with `cost` loads them (config.ts reads the environment once). */
async function containerAt(cost: number) {
  vi.resetModules();
  process.env.BCRYPT_COST = String(cost);
  return {
    signup: (await import("../../lib/accounts/signup.js")).signup,
    signin: (await import("../../lib/accounts/signin.js")).signin,
    store: await import("../../lib/users/user-store.js"),
    credentials: await import("../../lib/users/credential-store.js"),
    password: await import("../../lib/methods/password/password.js"),
    writeItem: (await import("../../lib/platform/transactions.js")).writeItem,
  };
}

const storedHash = async (container: Awaited<ReturnType<typeof containerAt>>, userId: string) => (await container.store.getUser(userId))!.passwordHash!;

/** The rounds of every hash bcrypt.compare was given while `run` ran: what each path compared against. */
async function comparedRounds(run: () => Promise<unknown>): Promise<number[]> {
  const compare = vi.spyOn(bcrypt, "compare");
  try {
    await run().catch(() => undefined);
    return compare.mock.calls.map(([, hash]) => bcrypt.getRounds(hash as string));
  } finally {
    compare.mockRestore();
  }
}

describe("a raised BCRYPT_COST", () => {
  it("reaches a known account at its next signin, and unknown and known accounts then cost the same", async () => {
    const email = uniqueEmail("cost");
    const before = await containerAt(10);
    const { user } = await before.signup({ email, password: PASSWORD });
    expect(bcrypt.getRounds(await storedHash(before, user.id))).toBe(10);

    const after = await containerAt(11);
    // The dummy hash is a real bcrypt hash at the configured cost, made once per container.
    const dummy = await after.password.dummyHash();
    expect(bcrypt.getRounds(dummy)).toBe(11);
    expect(await after.password.dummyHash()).toBe(dummy);

    // A wrong password changes nothing: the hash is made again only after the right one.
    await expect(after.signin({ email, password: `${PASSWORD}!` })).rejects.toMatchObject({ code: "invalid_credentials" });
    expect(bcrypt.getRounds(await storedHash(after, user.id))).toBe(10);

    // The first signin after the change still checks the old hash, then stores one at the new cost.
    expect(await comparedRounds(() => after.signin({ email, password: PASSWORD }))).toEqual([10]);
    const upgraded = await storedHash(after, user.id);
    expect(bcrypt.getRounds(upgraded)).toBe(11);
    expect(await bcrypt.compare(PASSWORD, upgraded)).toBe(true);

    // From then on: equal work for the known account and for an address no account has.
    const known = await comparedRounds(() => after.signin({ email, password: PASSWORD }));
    const unknown = await comparedRounds(() => after.signin({ email: uniqueEmail("nobody"), password: PASSWORD }));
    expect(known).toEqual([11]);
    expect(unknown).toEqual(known);
    expect(await storedHash(after, user.id)).toBe(upgraded); // already at the cost: not made again
  });

  it("replaces only the exact hash that was checked (a password changed meanwhile stays)", async () => {
    const container = await containerAt(10);
    const { user } = await container.signup({ email: uniqueEmail("cost-race"), password: PASSWORD });
    const current = await storedHash(container, user.id);
    const stale = await bcrypt.hash(PASSWORD, 10);
    const rehash = container.credentials.passwordRehashUpdate(user.id, stale, await bcrypt.hash(PASSWORD, 11));
    await expect(container.writeItem(rehash)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(await storedHash(container, user.id)).toBe(current);
    // And never creates a user item.
    const ghost = container.credentials.passwordRehashUpdate("00000000-0000-4000-8000-000000000000", stale, current);
    await expect(container.writeItem(ghost)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(await container.store.getUser("00000000-0000-4000-8000-000000000000")).toBeUndefined();
  });
});
