// The self-service rules as plain functions: the bodies of PATCH /users/me and POST /users/me/email,
// and who must prove what to move an account to another address.
import { describe, expect, it } from "vitest";
import { emailChangeProof, RECENT_SIGNIN_SECONDS, signedInRecently } from "../../lib/accounts/email-change.js";
import { parseEmailChange, parseProfileUpdate } from "../../lib/accounts/input.js";
import { HttpError } from "../../lib/platform/errors.js";

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof HttpError) return `${error.statusCode} ${error.code}`;
    throw error;
  }
};

describe("PATCH /users/me's body", () => {
  it("takes a name and/or a username, as signup does (trimmed name)", () => {
    expect(parseProfileUpdate({ name: "  Ada  " })).toEqual({ name: "Ada" });
    expect(parseProfileUpdate({ username: "ada.l" })).toEqual({ username: "ada.l" });
    expect(parseProfileUpdate({ name: "Ada", username: "ada_l" })).toEqual({ name: "Ada", username: "ada_l" });
  });

  it.each([[{}], [{ nickname: "x" }], [{ name: "Ada", roles: ["admin"] }], [{ username: null }], [{ name: null }], [{ name: " " }], [{ name: "a\u0007b" }], [{ username: "-ada" }], [[]], ["ada"]])(
    "refuses %j with 400 invalid_request",
    (body) => expect(codeOf(() => parseProfileUpdate(body))).toBe("400 invalid_request"),
  );
});

describe("POST /users/me/email's body", () => {
  it("takes the new address in canonical form, with the password or a code", () => {
    expect(parseEmailChange({ newEmail: " Ada@Example.COM ", currentPassword: "pw" })).toEqual({ newEmail: "ada@example.com", currentPassword: "pw" });
    expect(parseEmailChange({ newEmail: "ada@example.com", code: "123456" })).toEqual({ newEmail: "ada@example.com", code: "123456" });
    expect(parseEmailChange({ newEmail: "ada@example.com" })).toEqual({ newEmail: "ada@example.com" });
  });

  it.each([[{ currentPassword: "pw" }], [{ newEmail: "not an address", currentPassword: "pw" }], [{ newEmail: "ada@example.com", currentPassword: "pw", code: "123456" }], [{ newEmail: "ada@example.com", code: "x".repeat(33) }]])(
    "refuses %j with 400 invalid_request",
    (body) => expect(codeOf(() => parseEmailChange(body))).toBe("400 invalid_request"),
  );
});

describe("who must prove what to change the email", () => {
  const withPassword = { passwordless: undefined, mfaEnabled: undefined };
  const withPasswordAndTotp = { passwordless: undefined, mfaEnabled: true as const };
  const passwordless = { passwordless: true as const, mfaEnabled: undefined };

  it("a user with a password gives it; with a second factor, from a multi-factor session", () => {
    expect(emailChangeProof(withPassword, { currentPassword: "pw" }, false)).toBe("password");
    expect(codeOf(() => emailChangeProof(withPasswordAndTotp, { currentPassword: "pw" }, false))).toBe("403 mfa_required");
    expect(emailChangeProof(withPasswordAndTotp, { currentPassword: "pw" }, true)).toBe("password");
    // A code or a multi-factor session does not stand in for the password of a user who has one.
    expect(codeOf(() => emailChangeProof(withPasswordAndTotp, { code: "123456" }, true))).toBe("400 invalid_request");
    expect(codeOf(() => emailChangeProof(withPassword, {}, true))).toBe("400 invalid_request");
  });

  it("a user without a password gives a code, or asks from a multi-factor session", () => {
    expect(emailChangeProof(passwordless, { code: "123456" }, false)).toBe("code");
    expect(emailChangeProof(passwordless, {}, true)).toBe("session");
    expect(codeOf(() => emailChangeProof(passwordless, {}, false))).toBe("403 mfa_required");
    // A password sent anyway is checked (and is wrong: there is none).
    expect(emailChangeProof(passwordless, { currentPassword: "pw" }, false)).toBe("password");
  });

  it("a multi-factor session stands in for a proof only while its sign-in is recent (refreshes do not count)", () => {
    const now = Date.UTC(2026, 0, 1);
    const limit = RECENT_SIGNIN_SECONDS * 1000;
    expect(signedInRecently({ createdAt: now - limit }, now)).toBe(true);
    expect(signedInRecently({ createdAt: now - limit - 1 }, now)).toBe(false);
    // A session from a code exchange is judged by when its user authenticated at the hosted page.
    expect(signedInRecently({ createdAt: now, authTime: Math.floor((now - limit - 1000) / 1000) }, now)).toBe(false);
    expect(signedInRecently({ createdAt: now - 2 * limit, authTime: Math.floor(now / 1000) }, now)).toBe(true);
  });
});
