/**
 * The import formats: one record of the file (records.ts) -> the row that
 * import-rules.ts checks, or why the record has no such row. Shape and field
 * names only; the rules (email, username, hash, time) come after. A problem
 * names fields, never quotes values (they may be password hashes).
 *
 * - native: `{ email, emailVerified?, passwordHash?, username?, name?, roles?, createdAt?, disabled? }`
 * - supabase: rows of Supabase's `auth.users` (`email`, `encrypted_password`,
 *   `email_confirmed_at`, `created_at`, `banned_until`, `deleted_at`), from
 *   JSON (`row_to_json`) or CSV (`\copy ... csv header`: every value text,
 *   NULL and '' alike empty)
 * - auth0: Auth0's user export, NDJSON (`email`, `email_verified`, `passwordHash`
 *   as in the password-hash export, or `password_hash` / `custom_password_hash`
 *   as in its bulk import schema; `name`, `username`, `created_at`, `blocked`)
 */
import { NATIVE_FIELD_NAMES, parseTimestamp, type FieldNames, type ImportRow } from "./import-rules.js";

export type ParsedRow = { row: ImportRow } | { problem: string };

type Fields = Record<string, unknown>;

class RowProblem extends Error {}

const isObject = (value: unknown): value is Fields => typeof value === "object" && value !== null && !Array.isArray(value);

/** The field as a string (absent when null, missing or, in CSV, empty), or a RowProblem. */
function text(fields: Fields, field: string): string | undefined {
  const value = fields[field];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new RowProblem(`${field} must be a string`);
  return value;
}

/** The field as a boolean; a CSV's `true`/`false` (and PostgreSQL's `t`/`f`) count. */
function flag(fields: Fields, field: string): boolean | undefined {
  const value = fields[field];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "t") return true;
  if (value === "false" || value === "f") return false;
  throw new RowProblem(`${field} must be true or false`);
}

function required(value: string | undefined, field: string, why = ""): string {
  if (value === undefined) throw new RowProblem(`${field} is required${why}`);
  return value;
}

/** A field name fit to print (a key could be anything, even a hash pasted in the wrong place). */
const shown = (field: string) => (/^[A-Za-z_][A-Za-z0-9_]{0,39}$/.test(field) ? field : "(unnamed)");

function parsed(record: unknown, parse: (fields: Fields) => ImportRow): ParsedRow {
  if (!isObject(record)) return { problem: "is not an object" };
  try {
    return { row: parse(record) };
  } catch (error) {
    if (error instanceof RowProblem) return { problem: error.message };
    throw error;
  }
}

const NATIVE_FIELDS = new Set(Object.keys(NATIVE_FIELD_NAMES));

/** This project's own format. Unknown fields are refused: a misspelt `passwordHash` must not import users without their password. */
export function parseNative(record: unknown): ParsedRow {
  return parsed(record, (fields) => {
    const unknown = Object.keys(fields).filter((field) => !NATIVE_FIELDS.has(field));
    if (unknown.length > 0) throw new RowProblem(`has unknown fields: ${unknown.slice(0, 5).map(shown).join(", ")}`);
    const roles = fields.roles;
    if (roles !== undefined && roles !== null && !(Array.isArray(roles) && roles.every((role) => typeof role === "string"))) {
      throw new RowProblem("roles must be a list of strings");
    }
    return row({
      email: required(text(fields, "email"), "email"),
      emailVerified: flag(fields, "emailVerified") ?? false,
      passwordHash: text(fields, "passwordHash"),
      username: text(fields, "username"),
      name: text(fields, "name"),
      roles: roles ?? undefined,
      createdAt: text(fields, "createdAt"),
      disabled: flag(fields, "disabled"),
    });
  });
}

export const SUPABASE_FIELD_NAMES: FieldNames = {
  ...NATIVE_FIELD_NAMES,
  emailVerified: "email_confirmed_at",
  passwordHash: "encrypted_password",
  createdAt: "created_at",
};

/** A row of Supabase's `auth.users`; `now` decides whether a ban still holds. */
export function parseSupabase(record: unknown, now = Date.now()): ParsedRow {
  return parsed(record, (fields) => {
    if (text(fields, "deleted_at") !== undefined) throw new RowProblem("deleted_at is set: the user was deleted in Supabase");
    const bannedUntil = text(fields, "banned_until");
    const banEnds = bannedUntil === "infinity" ? Infinity : bannedUntil === undefined ? undefined : parseTimestamp(bannedUntil);
    if (bannedUntil !== undefined && banEnds === undefined) throw new RowProblem("banned_until must be a time");
    return row({
      // Supabase users without an email (phone sign-in, anonymous) have no account to move here.
      email: required(text(fields, "email"), "email", " (users without one, such as phone-only users, are not imported)"),
      emailVerified: text(fields, "email_confirmed_at") !== undefined,
      // Users who only ever signed in through a provider have '' here.
      passwordHash: text(fields, "encrypted_password"),
      createdAt: text(fields, "created_at"),
      disabled: banEnds !== undefined && banEnds > now,
    });
  });
}

/** Auth0's bulk import schema: `{ algorithm, hash: { value } }`; only bcrypt can be kept. */
function customPasswordHash(fields: Fields): string | undefined {
  const custom = fields.custom_password_hash;
  if (custom === undefined || custom === null) return undefined;
  if (!isObject(custom) || !isObject(custom.hash)) throw new RowProblem("custom_password_hash must be { algorithm, hash: { value } }");
  if (custom.algorithm !== "bcrypt") {
    const algorithm = typeof custom.algorithm === "string" && /^[a-z0-9_-]{1,20}$/i.test(custom.algorithm) ? custom.algorithm : "another algorithm";
    throw new RowProblem(`custom_password_hash uses ${algorithm}: only bcrypt hashes can be kept`);
  }
  return required(text(custom.hash, "value"), "custom_password_hash.hash.value");
}

/** Auth0's exports write times as text or, from its database, as `{ "$date": text }`. */
function auth0Time(fields: Fields, field: string): string | undefined {
  const value = fields[field];
  return isObject(value) ? required(text(value, "$date"), `${field}.$date`) : text(fields, field);
}

export const AUTH0_FIELD_NAMES: FieldNames = {
  ...NATIVE_FIELD_NAMES,
  emailVerified: "email_verified",
  createdAt: "created_at",
  disabled: "blocked",
};

/** A user of Auth0's export. Its other fields (user_id, identities, metadata) are not this service's. */
export function parseAuth0(record: unknown): ParsedRow {
  return parsed(record, (fields) => {
    const hashes = [text(fields, "passwordHash"), text(fields, "password_hash"), customPasswordHash(fields)].filter((hash) => hash !== undefined);
    if (new Set(hashes).size > 1) throw new RowProblem("has two different password hashes (passwordHash, password_hash, custom_password_hash)");
    return row({
      email: required(text(fields, "email"), "email"),
      emailVerified: flag(fields, "email_verified") ?? false,
      passwordHash: hashes[0],
      username: text(fields, "username"),
      name: text(fields, "name"),
      createdAt: auth0Time(fields, "created_at"),
      disabled: flag(fields, "blocked"),
    });
  });
}

/** The row without its absent fields. */
function row(fields: ImportRow): ImportRow {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as unknown as ImportRow;
}

export const FORMAT_NAMES = ["native", "supabase", "auth0"] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

/** Each format: its parser, how it names fields, and whether its file may be CSV. */
export const FORMATS: Record<FormatName, { parse: (record: unknown, now: number) => ParsedRow; names: FieldNames; csv: boolean }> = {
  native: { parse: parseNative, names: NATIVE_FIELD_NAMES, csv: false },
  supabase: { parse: parseSupabase, names: SUPABASE_FIELD_NAMES, csv: true },
  auth0: { parse: parseAuth0, names: AUTH0_FIELD_NAMES, csv: false },
};

export const isFormatName = (value: unknown): value is FormatName => typeof value === "string" && (FORMAT_NAMES as readonly string[]).includes(value);
