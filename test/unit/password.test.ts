import { describe, expect, it } from "vitest";
import bcrypt from "bcryptjs";
import commonPasswords from "../../lib/methods/password/common-passwords.json";
import { hashPassword, passwordProblems, verifyPassword } from "../../lib/methods/password/password.js";

describe("password policy", () => {
  it("accepts a long uncommon passphrase", () => {
    expect(passwordProblems("correct horse battery staple")).toEqual([]);
  });

  it("rejects fewer than 8 characters, counting characters not bytes", () => {
    expect(passwordProblems("Ab3$xyz")).toContain("must be at least 8 characters");
    expect(passwordProblems("ééééééé")).toContain("must be at least 8 characters"); // 14 bytes, 7 characters
  });

  it("rejects more than 72 UTF-8 bytes instead of truncating", () => {
    expect(passwordProblems("a".repeat(72) + "Q")).toContain("must be at most 72 bytes in UTF-8");
    expect(passwordProblems("é".repeat(37))).toContain("must be at most 72 bytes in UTF-8"); // 74 bytes
    expect(passwordProblems("zq".repeat(36))).toEqual([]); // exactly 72
  });

  it("ships a common-password list of at least 10,000 entries and rejects them case-insensitively", () => {
    expect(commonPasswords.length).toBeGreaterThanOrEqual(10_000);
    expect(passwordProblems("password")).toContain("is too common");
    expect(passwordProblems("PassWord1")).toContain("is too common");
    expect(passwordProblems("iloveyou")).toContain("is too common");
  });

  it("rejects a password equal to the email or username", () => {
    expect(passwordProblems("Someone@Example.com", { email: "someone@example.com" })).toContain(
      "must not be the same as the email or username",
    );
    expect(passwordProblems("Rare_Username_77", { username: "rare_username_77" })).toContain(
      "must not be the same as the email or username",
    );
  });
});

describe("password hashing", () => {
  it("verifies the right password and rejects a wrong one", async () => {
    const hash = await hashPassword("correct horse battery staple");
    expect(hash).not.toContain("correct horse");
    expect(await verifyPassword("correct horse battery staple", hash)).toBe(true);
    expect(await verifyPassword("correct horse battery stapler", hash)).toBe(false);
  });

  it("never accepts anything when there is no stored hash (the dummy comparison)", async () => {
    expect(await verifyPassword("anything at all", undefined)).toBe(false);
    expect(await verifyPassword("", undefined)).toBe(false);
  });

  it("does not let a longer attempt match a 72-byte password through bcrypt's truncation", async () => {
    const password = "x".repeat(72);
    const hash = await bcrypt.hash(password, 4);
    expect(await verifyPassword(password, hash)).toBe(true);
    expect(await verifyPassword(password + "extra", hash)).toBe(false);
  });
});
