import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { currentKey, parseKeySet, rotate, type KeySet, type StoredKey } from "../../lib/keys/key-set.js";

const RELOAD = 300;
const MAX_AGE = 600;
const SKEW = 60;
const TTL = 900;
const timing = { activationDelaySeconds: MAX_AGE + RELOAD + SKEW, accessTokenTtlSeconds: TTL, clockSkewSeconds: SKEW };

/** A stand-in for RSA key generation (which takes ~100 ms): the rules only look at kid and time. */
const fakeKey = (activatesAt: number): StoredKey => {
  const kid = randomBytes(8).toString("hex");
  return { kid, activatesAt, jwk: { kty: "RSA", n: randomBytes(16).toString("base64url"), e: "AQAB", d: "private" } };
};
const kids = (set: KeySet<unknown>) => set.keys.map((key) => key.kid);
const empty: KeySet = { keys: [] };

describe("a key rotation", () => {
  it("creates a first key that signs at once, with a real 2048-bit RSA key whose kid is its RFC 7638 thumbprint", () => {
    const result = rotate(empty, empty, 1000, timing);
    expect(result.privateSet.keys).toHaveLength(1);
    expect(currentKey(result.privateSet, 1000)?.kid).toBe(result.added!.kid);
    expect(result.pending).toBeUndefined();
    const [stored] = result.privateSet.keys as [StoredKey];
    expect(Buffer.from(stored.jwk.n as string, "base64url")).toHaveLength(256);
    expect(stored.jwk.d).toBeDefined();
    expect(result.publicSet.keys[0]!.jwk).toEqual({ kty: "RSA", kid: stored.kid, use: "sig", alg: "RS256", n: stored.jwk.n, e: stored.jwk.e });
  });

  it("publishes a new key that signs only after the JWK Set's max-age plus the reload interval", () => {
    const first = rotate(empty, empty, 0, timing, fakeKey);
    const second = rotate(first.privateSet, first.publicSet, 100, timing, fakeKey);
    const added = second.added!;
    expect(added.activatesAt).toBe(100 + MAX_AGE + RELOAD + SKEW);
    expect(kids(second.publicSet)).toEqual([first.added!.kid, added.kid]);
    expect(currentKey(second.privateSet, added.activatesAt - 1)?.kid).toBe(first.added!.kid);
    expect(currentKey(second.privateSet, added.activatesAt)?.kid).toBe(added.kid);
  });

  it("is idempotent: a second run while a key waits adds nothing", () => {
    const first = rotate(empty, empty, 0, timing, fakeKey);
    const second = rotate(first.privateSet, first.publicSet, 100, timing, fakeKey);
    const third = rotate(second.privateSet, second.publicSet, 200, timing, fakeKey);
    expect(third.added).toBeUndefined();
    expect(third.pending?.kid).toBe(second.added!.kid);
    expect(third.privateSet).toEqual(second.privateSet);
    expect(third.publicSet).toEqual(second.publicSet);
  });

  it("keeps a retired key published until its last token has expired, then prunes it; drops its private part as soon as it stops signing", () => {
    const first = rotate(empty, empty, 0, timing, fakeKey);
    const second = rotate(first.privateSet, first.publicSet, 100, timing, fakeKey);
    const switchAt = second.added!.activatesAt;
    const third = rotate(second.privateSet, second.publicSet, switchAt + TTL, timing, fakeKey);
    expect(kids(third.publicSet)).toContain(first.added!.kid);
    expect(kids(third.privateSet)).not.toContain(first.added!.kid);
    expect(third.pruned).toEqual([]);
    const fourth = rotate(third.privateSet, third.publicSet, switchAt + TTL + SKEW, timing, fakeKey);
    expect(fourth.pruned).toEqual([first.added!.kid]);
    expect(kids(fourth.publicSet)).not.toContain(first.added!.kid);
  });

  it("never publishes a private part", () => {
    const result = rotate(empty, empty, 0, timing);
    expect(JSON.stringify(result.publicSet)).not.toMatch(/"(d|p|q|dp|dq|qi)"/);
  });

  it("rejects a malformed stored set rather than running on it", () => {
    expect(() => parseKeySet("{}", "x")).toThrow(/not a key set/);
    expect(() => parseKeySet('{"keys":[{"kid":"a"}]}', "x")).toThrow(/malformed/);
  });

  /**
   * Whatever the times the operator runs it, and however stale each
   * container's copy (a signer's private set up to RELOAD old, a verifier's
   * public set up to RELOAD + MAX_AGE old): every token is signed by a key
   * every verifier already knows, and that stays published until the token
   * has expired.
   */
  it("never lets a key sign before every verifier knows it, nor unpublishes it while its tokens live (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 1, maxLength: 12 }), (gaps) => {
        const writes: { at: number; privateSet: KeySet; publicSet: KeySet }[] = [];
        let state = rotate(empty, empty, 0, timing, fakeKey);
        writes.push({ at: 0, ...state });
        let now = 0;
        for (const gap of gaps) {
          now += gap;
          state = rotate(state.privateSet, state.publicSet, now, timing, fakeKey);
          writes.push({ at: now, ...state });
        }
        const versionAt = (t: number) => [...writes].reverse().find((w) => w.at <= t) ?? writes[0]!;
        const end = now + 2 * timing.activationDelaySeconds;
        for (let t = 0; t <= end; t += 37) {
          for (const signerStaleness of [0, RELOAD]) {
            const key = currentKey(versionAt(t - signerStaleness).privateSet, t);
            if (!key) return false;
            for (const verifierStaleness of [0, RELOAD + MAX_AGE]) {
              // Known to verifiers when it signs, and to fresh ones until the token expires.
              if (!kids(versionAt(t - verifierStaleness).publicSet).includes(key.kid)) return false;
              if (!kids(versionAt(t + TTL).publicSet).includes(key.kid)) return false;
            }
          }
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });
});
