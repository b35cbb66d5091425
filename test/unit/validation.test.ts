import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BadRequestError, NotFoundError } from "../../lib/platform/errors.js";
import { parseEmailVerification, parseForgotPassword, parsePasswordChange, parsePasswordReset, parseSignup } from "../../lib/accounts/input.js";
import { parseRoles, parseUserId } from "../../lib/admin/input.js";
import { parseSignin } from "../../lib/methods/password/input.js";
import { parseRefresh, parseSignout } from "../../lib/sessions/input.js";

const parsers = { parseSignup, parseSignin, parseRefresh, parseSignout, parsePasswordChange, parseRoles, parseForgotPassword, parsePasswordReset, parseEmailVerification };

describe("request validation", () => {
  it("normalizes the email (trim, lower case) and ignores roles sent at signup", () => {
    const input = parseSignup({ email: "  Ada@Example.COM ", password: "correct horse battery", roles: ["admin"] });
    expect(input).toEqual({ email: "ada@example.com", password: "correct horse battery" });
  });

  it("lists every problem of a body at once, with field names", () => {
    try {
      parseSignup({ email: "not-an-email", password: 5, username: "x" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BadRequestError);
      const fields = (error as BadRequestError).details.errors as { field: string }[];
      expect(fields.map((e) => e.field).sort()).toEqual(["email", "password", "username"]);
    }
  });

  it.each([
    [{ email: "a@b.co", password: "correct horse battery", username: "bad name!" }, "username"],
    [{ email: "a@b.co", password: "correct horse battery", name: 42 }, "name"],
    [{ email: ["a@b.co"], password: "correct horse battery" }, "email"],
    [{ email: "a@b.co", password: "password" }, "password"],
    [{ email: "a@b.co" }, "password"],
  ])("rejects %j on %s", (body, field) => {
    expect(() => parseSignup(body)).toThrow(BadRequestError);
    try {
      parseSignup(body);
    } catch (error) {
      expect(((error as BadRequestError).details.errors as { field: string }[])[0]!.field).toBe(field);
    }
  });

  it("signin takes an email or a username", () => {
    expect(parseSignin({ email: "A@B.co", password: "p" })).toEqual({ email: "a@b.co", password: "p" });
    expect(parseSignin({ username: "ada_l", password: "p" })).toEqual({ username: "ada_l", password: "p" });
    expect(() => parseSignin({ password: "p" })).toThrow(BadRequestError);
    expect(() => parseSignin({ email: "a@b.co", password: "" })).toThrow(BadRequestError);
  });

  it("signout accepts an empty body, a refresh token or allSessions, and types them", () => {
    expect(parseSignout(undefined)).toEqual({});
    expect(parseSignout({ allSessions: true })).toEqual({ allSessions: true });
    expect(() => parseSignout({ allSessions: "yes" })).toThrow(BadRequestError);
    expect(() => parseSignout({ refreshToken: 1 })).toThrow(BadRequestError);
  });

  it("roles must be known roles", () => {
    expect(parseRoles({ roles: ["user", "moderator", "user"] })).toEqual(["user", "moderator"]);
    expect(() => parseRoles({ roles: ["root"] })).toThrow(BadRequestError);
    expect(() => parseRoles({ roles: "admin" })).toThrow(BadRequestError);
    // At most one of each role, as openapi.yaml says (maxItems): a longer list is refused, not trimmed.
    expect(() => parseRoles({ roles: ["user", "user", "moderator", "admin"] })).toThrow(BadRequestError);
    expect(() => parseUserId("../../etc")).toThrow(NotFoundError);
  });

  for (const [name, parse] of Object.entries(parsers)) {
    it(`${name} answers any JSON value with typed input or a BadRequestError, never anything else`, () => {
      fc.assert(
        fc.property(fc.oneof(fc.jsonValue(), fc.object({ values: [fc.jsonValue()] })), (body) => {
          try {
            parse(body);
          } catch (error) {
            expect(error).toBeInstanceOf(BadRequestError);
            expect((error as Error).message).not.toMatch(/TypeError|undefined|at .*\.ts/);
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe("lengths", () => {
  it("counts characters as JSON Schema does (code points): 100 emoji are a valid name, 101 are not", () => {
    const emoji = "\u{1F600}";
    expect(parseSignup({ email: "ada@example.com", password: "correct horse battery staple", name: emoji.repeat(100) }).name).toBe(emoji.repeat(100));
    expect(() => parseSignup({ email: "ada@example.com", password: "correct horse battery staple", name: emoji.repeat(101) })).toThrow(BadRequestError);
  });
});
