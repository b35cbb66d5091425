// TOTP and recovery codes as plain rules: RFC 6238's test vectors, drift,
// secrets at rest, and how recovery codes are typed and stored.
import { describe, expect, it } from "vitest";
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from "../../lib/methods/recovery-codes/recovery-codes.js";
import { decryptTotpSecret, encryptTotpSecret } from "../../lib/methods/totp/totp-secret.js";
import { newTotpSecret, otpauthUri, totpCodeAt, totpStepAt, totpStepOf } from "../../lib/methods/totp/totp.js";
import { config } from "../../lib/platform/config.js";

// RFC 6238 appendix B: the SHA-1 seed "12345678901234567890" (base32 below), 8-digit codes; ours are their last 6 digits.
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RFC_VECTORS: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("TOTP", () => {
  for (const [seconds, code] of RFC_VECTORS) {
    it(`gives RFC 6238's code at T=${seconds}, and knows it back as that time step`, () => {
      const now = seconds * 1000;
      expect(totpCodeAt(RFC_SECRET, now)).toBe(code.slice(-6));
      expect(totpStepOf(RFC_SECRET, code.slice(-6), now)).toBe(Math.floor(seconds / 30));
    });
  }

  it("accepts one step of drift either way, and no more", () => {
    const now = 1_700_000_000_000;
    const step = totpStepAt(now);
    for (const offset of [-1, 0, 1]) expect(totpStepOf(RFC_SECRET, totpCodeAt(RFC_SECRET, now + offset * 30_000), now)).toBe(step + offset);
    for (const offset of [-2, 2]) expect(totpStepOf(RFC_SECRET, totpCodeAt(RFC_SECRET, now + offset * 30_000), now)).toBeUndefined();
  });

  it("refuses what is not six digits without computing anything", () => {
    for (const code of ["", "12345", "1234567", "12345a", " 123456", "１２３４５６"]) expect(totpStepOf(RFC_SECRET, code, 0)).toBeUndefined();
  });

  it("makes 160-bit random secrets and an otpauth URI with the app's name as issuer and the email as account", () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 32 base32 characters = 160 bits
    expect(newTotpSecret()).not.toBe(secret);
    const uri = new URL(otpauthUri(secret, "ada@example.com"));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(decodeURIComponent(uri.pathname)).toBe(`/${config.appName}:ada@example.com`);
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({ secret, issuer: config.appName, algorithm: "SHA1", digits: "6", period: "30" });
  });

  it("stores secrets encrypted, bound to their user: tampering or another user's id does not decrypt", async () => {
    const secret = newTotpSecret();
    const stored = await encryptTotpSecret("user-a", secret);
    expect(stored).not.toContain(secret);
    expect(await encryptTotpSecret("user-a", secret)).not.toBe(stored); // a fresh IV each time
    expect(await decryptTotpSecret("user-a", stored)).toBe(secret);
    await expect(decryptTotpSecret("user-b", stored)).rejects.toThrow();
    const [format, iv, tag, data] = stored.split(".");
    const flipped = Buffer.from(data!, "base64url");
    flipped[0]! ^= 1;
    await expect(decryptTotpSecret("user-a", [format, iv, tag, flipped.toString("base64url")].join("."))).rejects.toThrow();
    await expect(decryptTotpSecret("user-a", "not ours")).rejects.toThrow();
  });
});

describe("recovery codes", () => {
  it("come ten at a time, distinct, xxxxx-xxxxx in Crockford's base32", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
  });

  it("are read back however they were typed, and refused when they cannot be codes", () => {
    expect(normalizeRecoveryCode("ABCDE-FGH12")).toBe("abcdefgh12");
    expect(normalizeRecoveryCode(" abcde fgh12 ")).toBe("abcdefgh12");
    expect(normalizeRecoveryCode("abcdeOfgIL")).toBe("abcde0fg11");
    for (const code of ["", "abcde", "abcde-fgh123", "abcde-fgh1u", "12345-67890!"]) expect(normalizeRecoveryCode(code)).toBeUndefined();
  });

  it("are stored as a keyed hash bound to the user: the same code of two users hashes apart", async () => {
    const [code] = newRecoveryCodes();
    const hash = await hashRecoveryCode("user-a", code!);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await hashRecoveryCode("user-a", code!.toUpperCase())).toBe(hash);
    expect(await hashRecoveryCode("user-b", code!)).not.toBe(hash);
    expect(await hashRecoveryCode("user-a", "nonsense")).toBeUndefined();
  });
});
