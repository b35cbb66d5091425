// The import's plain parts, without a database: reading a file's records (JSON array, JSON lines, CSV) with
// their line numbers however the file arrives in chunks, each format's parser, and the rules a row must meet.
import { describe, expect, it } from "vitest";
import { parseAuth0, parseNative, parseSupabase } from "../../lib/import/formats.js";
import { bcryptHashProblem, importedUser, parseTimestamp, type ImportRow } from "../../lib/import/import-rules.js";
import { readRecords, type SourceRecord } from "../../lib/import/records.js";

// A real bcrypt hash of "rasmuslerdorf" at cost 10, as PHP's password_hash writes it ($2y$).
const HASH_2Y = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";
const HASH_2A = `$2a$${HASH_2Y.slice(4)}`;
const HASH_2B_12 = `$2b$12$${HASH_2Y.slice(7)}`;

/** `text` delivered in chunks of `size` characters (0: in one piece). */
async function* chunked(text: string, size: number): AsyncGenerator<string> {
  if (size === 0) return yield text;
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function records(text: string, csv = false, size = 0): Promise<SourceRecord[]> {
  const found: SourceRecord[] = [];
  for await (const record of readRecords(chunked(text, size), { csv })) found.push(record);
  return found;
}

/** The records, after checking that every chunking of the file reads the same. */
async function read(text: string, csv = false): Promise<SourceRecord[]> {
  const whole = await records(text, csv);
  for (const size of [1, 2, 7, 64]) expect(await records(text, csv, size), `chunks of ${size}`).toEqual(whole);
  return whole;
}

describe("reading an import file's records", () => {
  it("takes a JSON array's elements with the line each starts on, pretty-printed or not", async () => {
    const file = ['[', '  {', '    "email": "a@example.com",', '    "name": "A ] , {"', '  },', '  {"email": "b@example.com"}', ']', ''].join("\n");
    expect(await read(file)).toEqual([
      { line: 2, value: { email: "a@example.com", name: "A ] , {" } },
      { line: 6, value: { email: "b@example.com" } },
    ]);
    expect(await read('\uFEFF[{"email":"a@example.com"},{"email":"b\\"]@example.com"}]')).toEqual([
      { line: 1, value: { email: "a@example.com" } },
      { line: 1, value: { email: 'b"]@example.com' } },
    ]);
    expect(await read("[]")).toEqual([]);
    expect(await read("")).toEqual([]);
  });

  it("reports a broken array element on its line and goes on with the next", async () => {
    expect(await read('[\n{"email": "a@example.com"},\n{"email": nope},\n{"email": "c@example.com"}\n]')).toEqual([
      { line: 2, value: { email: "a@example.com" } },
      { line: 3, problem: "is not valid JSON" },
      { line: 4, value: { email: "c@example.com" } },
    ]);
    expect(await read('[{"a":1},\n,{"b":2},\n]')).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 2, problem: "has an empty element (a stray comma)" },
      { line: 2, value: { b: 2 } },
      { line: 3, problem: "has an empty element (a stray comma)" },
    ]);
    expect(await read('[{"a":1},\n{"b":')).toEqual([{ line: 1, value: { a: 1 } }, { line: 2, problem: "ends before the JSON array is closed" }]);
    expect(await read('[{"a":1}]\n{"b":2}')).toEqual([{ line: 1, value: { a: 1 } }, { line: 2, problem: "follows the end of the JSON array" }]);
    expect(await read('[{"a":1},\n}, {"b":2}]')).toEqual([{ line: 1, value: { a: 1 } }, { line: 2, problem: "is not valid JSON (its brackets do not match)" }]);
  });

  it("takes JSON lines one per line, blank lines counted but skipped", async () => {
    expect(await read('{"email":"a@example.com"}\n\n{"email":\n{"email":"d@example.com"}\r\n')).toEqual([
      { line: 1, value: { email: "a@example.com" } },
      { line: 3, problem: "is not valid JSON" },
      { line: 4, value: { email: "d@example.com" } },
    ]);
  });

  it("takes CSV with a header when the format allows it, empty fields left out, each row on the line it starts", async () => {
    const file = ["email,encrypted_password,email_confirmed_at", `a@example.com,${HASH_2A},`, "", '"b@example.com","",2024-01-01 00:00:00+00', 'c@example.com,"two', 'lines",', "d@example.com,,"].join("\n");
    expect(await read(file, true)).toEqual([
      { line: 2, value: { email: "a@example.com", encrypted_password: HASH_2A } },
      { line: 4, value: { email: "b@example.com", email_confirmed_at: "2024-01-01 00:00:00+00" } },
      { line: 5, value: { email: "c@example.com", encrypted_password: "two\nlines" } },
      { line: 7, value: { email: "d@example.com" } },
    ]);
    // Without CSV a line that is no JSON is a problem, not a header.
    expect(await read("email\na@example.com")).toEqual([{ line: 1, problem: "is not valid JSON" }, { line: 2, problem: "is not valid JSON" }]);
  });

  it("reports a broken CSV row by its line and code, never its text", async () => {
    const found = await read(`email,encrypted_password\na@example.com,${HASH_2A}\nb@example.com\nc@example.com,x\n`, true);
    expect(found).toEqual([
      { line: 2, value: { email: "a@example.com", encrypted_password: HASH_2A } },
      { line: 3, problem: "is not valid CSV (CSV_RECORD_INCONSISTENT_COLUMNS)" },
      { line: 4, value: { email: "c@example.com", encrypted_password: "x" } },
    ]);
  });

  it("never quotes the file in a problem (it holds hashes)", async () => {
    const problems = [
      ...(await read(`{"passwordHash": "${HASH_2Y}" oops}\n[{"passwordHash": "${HASH_2Y}"`)),
      ...(await read(`[{"passwordHash": "${HASH_2Y}" x}]`)),
      ...(await read(`email,h\n"a@example.com,${HASH_2Y}\n`, true)),
    ].filter((record) => "problem" in record);
    expect(problems.length).toBeGreaterThanOrEqual(3);
    for (const record of problems) expect(JSON.stringify(record)).not.toContain("vGA1O9");
  });
});

describe("bcrypt hashes", () => {
  it.each([
    [HASH_2Y, undefined],
    [HASH_2A, undefined],
    [HASH_2B_12, undefined],
    [`$2b$04$${HASH_2Y.slice(7)}`, undefined],
    [`$2b$15$${HASH_2Y.slice(7)}`, undefined],
    [`$2b$03$${HASH_2Y.slice(7)}`, "has a bcrypt cost outside 4-15"],
    [`$2b$16$${HASH_2Y.slice(7)}`, "has a bcrypt cost outside 4-15"],
    [`$2x$10$${HASH_2Y.slice(7)}`, "is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)"],
    [`$2$10$${HASH_2Y.slice(7)}`, "is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)"],
    [`${HASH_2Y} `, "is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)"],
    [HASH_2Y.slice(0, 59), "is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)"],
    ["$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", "is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)"],
    ["5f4dcc3b5aa765d61d8327deb882cf99", "is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)"],
  ])("%s: %s", (hash, problem) => {
    expect(bcryptHashProblem(hash)).toBe(problem);
  });
});

describe("times", () => {
  it.each([
    ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00.000Z"],
    ["2024-05-01T12:00:00.123Z", "2024-05-01T12:00:00.123Z"],
    ["2024-05-01 12:00:00.123456+00", "2024-05-01T12:00:00.123Z"], // PostgreSQL timestamptz as psql writes it
    ["2024-05-01 14:30:00+02:30", "2024-05-01T12:00:00.000Z"],
    ["2024-05-01T10:30:00-0130", "2024-05-01T12:00:00.000Z"],
    ["2024-05-01T12:00", "2024-05-01T12:00:00.000Z"],
    ["2024-05-01 12:00:00", "2024-05-01T12:00:00.000Z"], // no zone: UTC
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
  ])("%s is %s", (text, iso) => {
    expect(new Date(parseTimestamp(text)!).toISOString()).toBe(iso);
  });

  it.each(["1", "May 1, 2024", "2024-05-01", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:00:00+2", ""])("%j is no time", (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });
});

describe("the row rules", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  const userId = "00000000-0000-4000-8000-000000000001";
  const base: ImportRow = { email: "Ada@Example.COM", emailVerified: true };
  const check = (row: Partial<ImportRow>) => importedUser({ ...base, ...row }, { userId, now });

  it("makes a user: canonical email, roles with user, the hash as given, createdAt as ISO", () => {
    expect(check({ passwordHash: HASH_2Y, username: "ada_l", name: "  Ada  ", roles: ["admin", "admin"], createdAt: "2020-01-02 03:04:05+00" })).toEqual({
      user: {
        userId,
        email: "ada@example.com",
        emailVerified: true,
        passwordHash: HASH_2Y,
        username: "ada_l",
        name: "Ada",
        roles: ["user", "admin"],
        createdAt: "2020-01-02T03:04:05.000Z",
      },
    });
    expect(check({ emailVerified: false, disabled: true })).toEqual({
      user: { userId, email: "ada@example.com", emailVerified: false, roles: ["user"], disabled: true, createdAt: "2025-01-01T00:00:00.000Z" },
    });
  });

  it.each<[Partial<ImportRow>, string[]]>([
    [{ email: "not an email" }, ["email must be a valid email address"]],
    [{ email: "jörg@example.com" }, ["email must be a valid email address with only ASCII letters, digits and . ! # $ % & ' * + / = ? ^ _ ` { | } ~ - before the @"]],
    [{ username: "a" }, ["username must be 3-32 letters, digits, '_', '.' or '-', starting with a letter or digit"]],
    [{ username: "_ada" }, ["username must be 3-32 letters, digits, '_', '.' or '-', starting with a letter or digit"]],
    [{ name: "   " }, ["name must be printable text"]],
    [{ name: "a\u0007b" }, ["name must be printable text"]],
    [{ name: "x".repeat(101) }, ["name must be at most 100 characters"]],
    [{ roles: ["user", "root"] }, ["roles must be a list of user, moderator, admin"]],
    [{ roles: "admin" }, ["roles must be a list of user, moderator, admin"]],
    [{ passwordHash: "5f4dcc3b5aa765d61d8327deb882cf99" }, ["passwordHash is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)"]],
    [{ createdAt: "yesterday" }, ["createdAt must be a time such as 2024-05-01T12:00:00Z"]],
    [{ createdAt: "2025-01-01T00:00:01Z" }, ["createdAt must not be in the future"]],
    [
      { email: "x", username: "!", createdAt: "x" },
      ["email must be a valid email address", "username must be 3-32 letters, digits, '_', '.' or '-', starting with a letter or digit", "createdAt must be a time such as 2024-05-01T12:00:00Z"],
    ],
  ])("%j fails: %j", (row, problems) => {
    expect(check(row)).toEqual({ problems });
  });
});

describe("the formats", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");

  it.each<[unknown, unknown]>([
    [{ email: "a@example.com" }, { row: { email: "a@example.com", emailVerified: false } }],
    [
      { email: "a@example.com", emailVerified: true, passwordHash: HASH_2Y, username: "ada", name: "Ada", roles: ["admin"], createdAt: "2020-01-01T00:00:00Z", disabled: false },
      { row: { email: "a@example.com", emailVerified: true, passwordHash: HASH_2Y, username: "ada", name: "Ada", roles: ["admin"], createdAt: "2020-01-01T00:00:00Z", disabled: false } },
    ],
    [{ email: "a@example.com", passwordHash: null }, { row: { email: "a@example.com", emailVerified: false } }],
    [{ email: "a@example.com", password_hash: HASH_2Y }, { problem: "has unknown fields: password_hash" }],
    [{ email: "a@example.com", [HASH_2Y]: 1 }, { problem: "has unknown fields: (unnamed)" }],
    [{ emailVerified: true }, { problem: "email is required" }],
    [{ email: 7 }, { problem: "email must be a string" }],
    [{ email: "a@example.com", emailVerified: "yes" }, { problem: "emailVerified must be true or false" }],
    [{ email: "a@example.com", roles: [1] }, { problem: "roles must be a list of strings" }],
    [["a@example.com"], { problem: "is not an object" }],
    ["a@example.com", { problem: "is not an object" }],
  ])("native %j -> %j", (record, expected) => {
    expect(parseNative(record)).toEqual(expected);
  });

  it.each<[unknown, unknown]>([
    [
      { id: "u1", email: "a@example.com", encrypted_password: HASH_2A, email_confirmed_at: "2024-01-02T00:00:00+00:00", created_at: "2024-01-01 00:00:00+00", raw_user_meta_data: {} },
      { row: { email: "a@example.com", emailVerified: true, passwordHash: HASH_2A, createdAt: "2024-01-01 00:00:00+00", disabled: false } },
    ],
    // CSV: every value text; NULL and '' both absent (records.ts leaves them out).
    [{ email: "a@example.com", email_confirmed_at: null, encrypted_password: "" }, { row: { email: "a@example.com", emailVerified: false, disabled: false } }],
    [{ email: "a@example.com", banned_until: "2099-01-01 00:00:00+00" }, { row: { email: "a@example.com", emailVerified: false, disabled: true } }],
    [{ email: "a@example.com", banned_until: "infinity" }, { row: { email: "a@example.com", emailVerified: false, disabled: true } }],
    [{ email: "a@example.com", banned_until: "2020-01-01 00:00:00+00" }, { row: { email: "a@example.com", emailVerified: false, disabled: false } }],
    [{ email: "a@example.com", banned_until: "soon" }, { problem: "banned_until must be a time" }],
    [{ email: "a@example.com", deleted_at: "2024-01-01 00:00:00+00" }, { problem: "deleted_at is set: the user was deleted in Supabase" }],
    [{ phone: "+15550100", email: null }, { problem: "email is required (users without one, such as phone-only users, are not imported)" }],
  ])("supabase %j -> %j", (record, expected) => {
    expect(parseSupabase(record, now)).toEqual(expected);
  });

  it.each<[unknown, unknown]>([
    [
      { user_id: "auth0|1", email: "a@example.com", email_verified: true, passwordHash: HASH_2B_12, name: "Ada", username: "ada", created_at: "2021-03-04T12:00:00.000Z", identities: [] },
      { row: { email: "a@example.com", emailVerified: true, passwordHash: HASH_2B_12, name: "Ada", username: "ada", createdAt: "2021-03-04T12:00:00.000Z" } },
    ],
    // The password-hash export of Auth0 support: database-style dates.
    [
      { _id: { $oid: "60425da9" }, email: "a@example.com", email_verified: false, passwordHash: HASH_2B_12, created_at: { $date: "2021-03-04T12:00:00.000Z" } },
      { row: { email: "a@example.com", emailVerified: false, passwordHash: HASH_2B_12, createdAt: "2021-03-04T12:00:00.000Z" } },
    ],
    [
      { email: "a@example.com", custom_password_hash: { algorithm: "bcrypt", hash: { value: HASH_2Y } }, blocked: true },
      { row: { email: "a@example.com", emailVerified: false, passwordHash: HASH_2Y, disabled: true } },
    ],
    [{ email: "a@example.com", password_hash: HASH_2Y, passwordHash: HASH_2Y }, { row: { email: "a@example.com", emailVerified: false, passwordHash: HASH_2Y } }],
    [{ email: "a@example.com", password_hash: HASH_2Y, passwordHash: HASH_2A }, { problem: "has two different password hashes (passwordHash, password_hash, custom_password_hash)" }],
    [{ email: "a@example.com", custom_password_hash: { algorithm: "argon2", hash: { value: "$argon2id$v=19$..." } } }, { problem: "custom_password_hash uses argon2: only bcrypt hashes can be kept" }],
    [{ email: "a@example.com", custom_password_hash: { algorithm: HASH_2Y, hash: { value: "x" } } }, { problem: "custom_password_hash uses another algorithm: only bcrypt hashes can be kept" }],
    [{ email: "a@example.com", custom_password_hash: "bcrypt" }, { problem: "custom_password_hash must be { algorithm, hash: { value } }" }],
    [{ email: "a@example.com", email_verified: "maybe" }, { problem: "email_verified must be true or false" }],
  ])("auth0 %j -> %j", (record, expected) => {
    expect(parseAuth0(record)).toEqual(expected);
  });
});
