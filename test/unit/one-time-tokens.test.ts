import { describe, expect, it } from "vitest";
import {
  hashOneTimeToken,
  isTokenShaped,
  isTokenUsable,
  newOneTimeToken,
  tokenExpiresAt,
  type OneTimeTokenRecord,
} from "../../lib/one-time-tokens/one-time-tokens.js";

const NOW = Date.UTC(2026, 0, 1, 12);
const nowSeconds = NOW / 1000;

describe("one-time tokens", () => {
  it("carry 256 random bits and are stored as their SHA-256 only", () => {
    const tokens = Array.from({ length: 100 }, () => newOneTimeToken());
    for (const { token, hash } of tokens) {
      expect(Buffer.from(token, "base64url")).toHaveLength(32);
      expect(isTokenShaped(token)).toBe(true);
      expect(hash).toBe(hashOneTimeToken(token));
      expect(hash).not.toContain(token);
      expect(Buffer.from(hash, "base64url")).toHaveLength(32);
    }
    expect(new Set(tokens.map((t) => t.token)).size).toBe(100);
  });

  it("expire after 30 minutes (reset) and 24 hours (verification) by default", () => {
    expect(tokenExpiresAt("reset", NOW)).toBe(nowSeconds + 30 * 60);
    expect(tokenExpiresAt("verify", NOW)).toBe(nowSeconds + 24 * 60 * 60);
  });

  it("are usable only while unexpired, of the kind asked for, and still held by their user", () => {
    const { hash } = newOneTimeToken();
    const record: OneTimeTokenRecord = { kind: "reset", userId: "u", expiresAt: nowSeconds + 60 };
    expect(isTokenUsable(record, "reset", hash, hash, NOW)).toBe(true);
    expect(isTokenUsable(undefined, "reset", hash, hash, NOW)).toBe(false);
    expect(isTokenUsable(record, "verify", hash, hash, NOW)).toBe(false);
    expect(isTokenUsable(record, "reset", hash, undefined, NOW)).toBe(false); // used, or the password changed
    expect(isTokenUsable(record, "reset", hash, newOneTimeToken().hash, NOW)).toBe(false); // replaced by a newer one
    expect(isTokenUsable(record, "reset", hash, hash, (nowSeconds + 60) * 1000)).toBe(false); // expired (TTL may be late)
    expect(isTokenUsable(record, "reset", hash, hash, (nowSeconds + 59) * 1000)).toBe(true);
  });

  it("reject what cannot be a token before any read", () => {
    for (const bad of ["", "abc", "a".repeat(44), `${"a".repeat(42)}=`, `${"a".repeat(42)}+`]) expect(isTokenShaped(bad)).toBe(false);
  });
});
