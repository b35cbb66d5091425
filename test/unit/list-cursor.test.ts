import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../../lib/http/list-cursor.js";
import { DEFAULT_LIMIT, MAX_LIMIT, parseListParams, parseUserListParams } from "../../lib/http/list-params.js";

const secret = randomBytes(32);
const key = { pk: "USER#1", sk: "2026-11-23T20:00:00.000Z#abc" };

describe("list cursors", () => {
  it("round-trips any key of strings for the list it was issued for", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 40 }), fc.string({ maxLength: 80 }), { maxKeys: 4 }), fc.string({ maxLength: 50 }), (k, scope) => {
        expect(decodeCursor(encodeCursor(k, scope, secret), scope, secret)).toEqual(k);
      }),
    );
  });

  it("rejects a cursor of another list, another secret, or with any character changed", () => {
    const cursor = encodeCursor(key, "events:a", secret);
    expect(() => decodeCursor(cursor, "events:b", secret)).toThrow(expect.objectContaining({ statusCode: 400 }));
    expect(() => decodeCursor(cursor, "events:a", randomBytes(32))).toThrow(expect.objectContaining({ statusCode: 400 }));
    for (let i = 0; i < cursor.length; i++) {
      if (cursor[i] === ".") continue;
      for (const replacement of ["A", "_"]) {
        if (cursor[i] === replacement) continue;
        const altered = cursor.slice(0, i) + replacement + cursor.slice(i + 1);
        expect(() => decodeCursor(altered, "events:a", secret), `changed at ${i}`).toThrow(expect.objectContaining({ statusCode: 400 }));
      }
    }
  });

  it("rejects junk without reading it: empty, no signature, too long, not base64url, a signed non-object", () => {
    for (const junk of ["", "abc", "a.b", ".", `${"a".repeat(2000)}.${"A".repeat(43)}`, "a+b.c", "e30=.x"]) {
      expect(() => decodeCursor(junk, "users", secret), junk).toThrow(expect.objectContaining({ statusCode: 400 }));
    }
    const array = encodeCursor(["x"] as unknown as Record<string, string>, "users", secret);
    expect(() => decodeCursor(array, "users", secret)).toThrow(expect.objectContaining({ statusCode: 400 }));
    const numbers = encodeCursor({ pk: 1 } as unknown as Record<string, string>, "users", secret);
    expect(() => decodeCursor(numbers, "users", secret)).toThrow(expect.objectContaining({ statusCode: 400 }));
  });
});

describe("list parameters", () => {
  it("defaults the limit to 50 and takes 1..100", () => {
    expect(parseListParams(null)).toEqual({ limit: DEFAULT_LIMIT });
    expect(parseListParams({ limit: "1" })).toEqual({ limit: 1 });
    expect(parseListParams({ limit: String(MAX_LIMIT) })).toEqual({ limit: 100 });
    expect(parseListParams({ limit: "007" })).toEqual({ limit: 7 });
  });

  it("answers 400 to limits that are not integers from 1 to 100", () => {
    for (const limit of ["0", "101", "x", "", "1.5", "-1", "1e1", " 5", "0x10", "1000"]) {
      expect(() => parseListParams({ limit }), limit).toThrow(expect.objectContaining({ statusCode: 400 }));
    }
  });

  it("passes the cursor through for list-cursor.ts, refusing an empty or oversized one", () => {
    expect(parseListParams({ cursor: "abc.def" })).toEqual({ limit: 50, cursor: "abc.def" });
    expect(() => parseListParams({ cursor: "" })).toThrow(expect.objectContaining({ statusCode: 400 }));
    expect(() => parseListParams({ cursor: "x".repeat(1025) })).toThrow(expect.objectContaining({ statusCode: 400 }));
  });

  it("normalizes the email filter like signup and refuses what is not an email", () => {
    expect(parseUserListParams({ email: "  Ada@Example.COM " })).toEqual({ limit: 50, email: "ada@example.com" });
    for (const email of ["", "ada", "x".repeat(300)]) {
      expect(() => parseUserListParams({ email }), email).toThrow(expect.objectContaining({ statusCode: 400 }));
    }
  });

  it("lists every problem at once", () => {
    try {
      parseUserListParams({ limit: "0", email: "nope", cursor: "" });
      expect.unreachable();
    } catch (error) {
      expect((error as { details: { errors: { field: string }[] } }).details.errors.map((e) => e.field).sort()).toEqual(["cursor", "email", "limit"]);
    }
  });
});
