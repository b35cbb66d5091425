import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import {
  currentKey,
  DEPLOYED_CLOCK_SKEW_SECONDS,
  DEPLOYED_KEY_TIMING,
  FALLBACK_KEY_TIMING,
  parseKeySet,
  parseKeyTiming,
  rotate,
  rotationTiming,
  type KeySet,
  type StoredKey,
} from "../../lib/keys/key-set.js";
import { localTiming } from "../../scripts/key-files.js";

// A deployed stage with serverless.yml's defaults.
const RELOAD = 300;
const MAX_AGE = 600;
const VERIFIER_CACHE = 7200; // API Gateway's HTTP API JWT authorizer
const SKEW = 60;
const TTL = 900;
const timing = rotationTiming(DEPLOYED_KEY_TIMING, DEPLOYED_CLOCK_SKEW_SECONDS);
const TWO_HOURS_FIFTEEN = 2 * 3600 + 15 * 60;

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

  it("publishes a new key that signs only after the reload interval, the JWK Set's max-age and the longest verifier key cache", () => {
    const first = rotate(empty, empty, 0, timing, fakeKey);
    const second = rotate(first.privateSet, first.publicSet, 100, timing, fakeKey);
    const added = second.added!;
    expect(added.activatesAt).toBe(100 + RELOAD + MAX_AGE + VERIFIER_CACHE + SKEW);
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

  it("waits at least 2 h 15 min on a deployed stage by default: API Gateway's HTTP API JWT authorizer keeps keys 2 hours", () => {
    expect(DEPLOYED_KEY_TIMING).toEqual({ keySetReloadSeconds: RELOAD, jwksMaxAgeSeconds: MAX_AGE, verifierKeyCacheSeconds: VERIFIER_CACHE, accessTokenTtlSeconds: TTL });
    expect(timing.activationDelaySeconds).toBeGreaterThanOrEqual(TWO_HOURS_FIFTEEN);
    expect(timing.activationDelaySeconds).toBe(8160); // 2 h 16 min
    expect(timing).toMatchObject({ accessTokenTtlSeconds: TTL, clockSkewSeconds: SKEW });
  });

  it("waits longer for a verifier with a longer key cache, one for one", () => {
    const fourHours = rotationTiming({ ...DEPLOYED_KEY_TIMING, verifierKeyCacheSeconds: 4 * 3600 }, SKEW);
    expect(fourHours.activationDelaySeconds).toBe(timing.activationDelaySeconds + 2 * 3600);
    const first = rotate(empty, empty, 0, fourHours, fakeKey);
    expect(rotate(first.privateSet, first.publicSet, 10, fourHours, fakeKey).added!.activatesAt).toBe(10 + RELOAD + MAX_AGE + 4 * 3600 + SKEW);
  });

  it("waits no shorter than the defaults when a stage's settings are unknown", () => {
    for (const name of Object.keys(DEPLOYED_KEY_TIMING) as (keyof typeof DEPLOYED_KEY_TIMING)[]) {
      expect(FALLBACK_KEY_TIMING[name]).toBeGreaterThanOrEqual(DEPLOYED_KEY_TIMING[name]);
    }
    expect(FALLBACK_KEY_TIMING.jwksMaxAgeSeconds).toBe(3600); // JWKS_MAX_AGE_SECONDS's cap
    expect(rotationTiming(FALLBACK_KEY_TIMING, SKEW).activationDelaySeconds).toBeGreaterThan(timing.activationDelaySeconds);
  });

  it("keeps the short local timing (no outside verifier caches local keys), and counts a local verifier cache when one is set", () => {
    try {
      for (const name of ["KEY_SET_RELOAD_SECONDS", "JWKS_MAX_AGE_SECONDS", "VERIFIER_KEY_CACHE_SECONDS", "ACCESS_TOKEN_TTL_SECONDS"]) vi.stubEnv(name, "");
      expect(localTiming()).toEqual({ activationDelaySeconds: 31, accessTokenTtlSeconds: 900, clockSkewSeconds: 1 });
      vi.stubEnv("VERIFIER_KEY_CACHE_SECONDS", "600");
      expect(localTiming().activationDelaySeconds).toBe(631);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("reads a stage's key-timing parameter as serverless.yml writes it, and refuses a malformed one", () => {
    const written = '{"keySetReloadSeconds":300,"jwksMaxAgeSeconds":600,"verifierKeyCacheSeconds":7200,"accessTokenTtlSeconds":900}';
    expect(parseKeyTiming(written, "p")).toEqual(DEPLOYED_KEY_TIMING);
    expect(parseKeyTiming('{"keySetReloadSeconds":0,"jwksMaxAgeSeconds":0,"verifierKeyCacheSeconds":0,"accessTokenTtlSeconds":60,"later":1}', "p")).toEqual({
      keySetReloadSeconds: 0,
      jwksMaxAgeSeconds: 0,
      verifierKeyCacheSeconds: 0,
      accessTokenTtlSeconds: 60,
    });
    expect(() => parseKeyTiming("{", "p")).toThrow(/p is not JSON/);
    expect(() => parseKeyTiming("[]", "p")).toThrow(/not a JSON object/);
    expect(() => parseKeyTiming(written.replace(',"verifierKeyCacheSeconds":7200', ""), "p")).toThrow(/verifierKeyCacheSeconds/);
    expect(() => parseKeyTiming(written.replace("7200", '"7200"'), "p")).toThrow(/verifierKeyCacheSeconds/);
    expect(() => parseKeyTiming(written.replace("600", "-1"), "p")).toThrow(/jwksMaxAgeSeconds/);
    expect(() => parseKeyTiming(written.replace("300", "1.5"), "p")).toThrow(/keySetReloadSeconds/);
    expect(() => parseKeyTiming(written.replace("900", "0"), "p")).toThrow(/accessTokenTtlSeconds/);
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
   * Whatever the times the operator runs it, and however stale each copy (a
   * signer's private set up to RELOAD old; a verifier's public set up to
   * RELOAD + MAX_AGE + its own key cache old): every token is signed by a key
   * every verifier already knows, and that stays published until the token
   * has expired. Shorter settings than the deployed ones, so that runs land
   * both before and after a key activates.
   */
  it("never lets a key sign before every verifier knows it, nor unpublishes it while its tokens live (property)", () => {
    const CACHE = 1200;
    const timing = rotationTiming({ keySetReloadSeconds: RELOAD, jwksMaxAgeSeconds: MAX_AGE, verifierKeyCacheSeconds: CACHE, accessTokenTtlSeconds: TTL }, SKEW);
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
            for (const verifierStaleness of [0, RELOAD + MAX_AGE, RELOAD + MAX_AGE + CACHE]) {
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
