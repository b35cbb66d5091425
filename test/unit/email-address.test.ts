import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalEmail } from "../../lib/users/email-address.js";
import { normalizeEmail } from "../../lib/users/email-address.js";

const canonical = (raw: string) => {
  const checked = canonicalEmail(raw);
  return "email" in checked ? checked.email : undefined;
};

describe("canonical email addresses", () => {
  it("lower-case the local part and the domain, and trim", () => {
    expect(canonical("  Ada.Lovelace+Tag@Example.COM ")).toBe("ada.lovelace+tag@example.com");
  });

  it("fold fullwidth and other compatibility forms (NFKC) into the plain address", () => {
    expect(canonical("ａｄａ@example.com")).toBe("ada@example.com");
    expect(canonical("ada@ｅｘａｍｐｌｅ．ｃｏｍ")).toBe("ada@example.com");
  });

  it("write an internationalized domain in its one ASCII form, however it was given", () => {
    expect(canonical("ada@bücher.example")).toBe("ada@xn--bcher-kva.example");
    expect(canonical("ada@XN--BCHER-KVA.example")).toBe("ada@xn--bcher-kva.example");
    expect(canonical("ada@BÜCHER.example")).toBe("ada@xn--bcher-kva.example");
  });

  it("refuse a local part SES cannot send to (non-ASCII) or longer than 64 characters", () => {
    expect(canonicalEmail("jörg@example.com")).toHaveProperty("problem");
    expect(canonicalEmail("用户@example.com")).toHaveProperty("problem");
    expect(canonical(`${"a".repeat(64)}@example.com`)).toBe(`${"a".repeat(64)}@example.com`);
    expect(canonicalEmail(`${"a".repeat(65)}@example.com`)).toEqual({ problem: "must have at most 64 characters before the @" });
  });

  it("refuse an address longer than 254 characters", () => {
    const domain = `${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.com`;
    expect(canonical(`${"a".repeat(254 - domain.length - 1)}@${domain}`)).toBeDefined();
    expect(canonicalEmail(`${"a".repeat(255 - domain.length - 1)}@${domain}`)).toHaveProperty("problem");
  });

  it("refuse what is no deliverable address", () => {
    for (const bad of [
      "", "ada", "@example.com", "ada@", "ada@example", "ada@localhost", "ada@1.2.3.4", "ada@[127.0.0.1]",
      "ada@exa mple.com", "a da@example.com", "ada@example..com", "ada@-example.com", "ada@example-.com",
      ".ada@example.com", "ada.@example.com", "a..da@example.com", '"ada"@example.com', "ada@exa\nmple.com", "ada\n@example.com",
      "ada<b>@example.com", `ada@${"b".repeat(64)}.com`,
    ]) {
      expect(canonicalEmail(bad), JSON.stringify(bad)).toHaveProperty("problem");
    }
  });

  it("is idempotent: the canonical form of a canonical address is itself", () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.constantFrom("", " ", "\t"), (email, pad) => {
        const once = canonical(pad + email + pad);
        if (once !== undefined) expect(canonical(once)).toBe(once);
      }),
    );
  });

  it("is what normalizeEmail gives for lookups (grant-role, signin)", () => {
    expect(normalizeEmail("ＡＤＡ@BÜCHER.example")).toBe("ada@xn--bcher-kva.example");
  });
});
