/**
 * What makes an imported row a user: the signup rules for the email, username
 * and name, known roles, a bcrypt hash kept exactly as it was made, and a real
 * creation time. Plain functions: the parsers (formats.ts) feed them, the
 * writer (importer.ts) stores what they return. A problem never quotes the
 * row's values: they may be a password hash.
 */
import { displayName, NAME_MAX, USERNAME_PATTERN, USERNAME_PROBLEM } from "../http/checker.js";
import { canonicalEmail } from "../users/email-address.js";
import { isRole, ROLES } from "../users/roles.js";
import type { UserRecord } from "../users/user-store.js";

/** A row of any format, its fields named as the native format names them and not yet checked. */
export interface ImportRow {
  email: string;
  emailVerified: boolean;
  /** The bcrypt hash, as the old system stored it; absent for a user without a password. */
  passwordHash?: string;
  username?: string;
  name?: string;
  roles?: unknown;
  /** As the old system wrote it (ISO 8601, or PostgreSQL's text form). */
  createdAt?: string;
  /** True for an account the old system had blocked or banned: it stays disabled. */
  disabled?: boolean;
}

export type RowField = keyof ImportRow;
/** How a format names each field, for its problems (`encrypted_password` rather than `passwordHash`). */
export type FieldNames = Record<RowField, string>;
export const NATIVE_FIELD_NAMES: FieldNames = {
  email: "email",
  emailVerified: "emailVerified",
  passwordHash: "passwordHash",
  username: "username",
  name: "name",
  roles: "roles",
  createdAt: "createdAt",
  disabled: "disabled",
};

/**
 * The costs a stored hash may have: bcrypt's own minimum, and at most the
 * highest BCRYPT_COST the service accepts (platform/config.ts), above which
 * one signin would cost seconds. A hash below the configured cost is made
 * again at it on the user's first signin (methods/password/password-check.ts).
 */
export const BCRYPT_COST_MIN = 4;
export const BCRYPT_COST_MAX = 15;

// The modular crypt format: $2a$ (most libraries, Go's, Supabase's), $2b$ (OpenBSD, Node, Auth0), $2y$ (PHP).
// bcryptjs compares all three alike (it has no $2a$ "wraparound" bug to be compatible with), so they are stored as given.
const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** Why `hash` cannot be stored as a password hash, or undefined when it can. */
export function bcryptHashProblem(hash: string): string | undefined {
  const match = BCRYPT_HASH.exec(hash);
  if (!match) return "is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)";
  const cost = Number(match[1]);
  if (cost < BCRYPT_COST_MIN || cost > BCRYPT_COST_MAX) return `has a bcrypt cost outside ${BCRYPT_COST_MIN}-${BCRYPT_COST_MAX}`;
  return undefined;
}

// ISO 8601 (`2024-05-01T12:00:00.000Z`) and PostgreSQL's text output (`2024-05-01 12:00:00.123456+00`).
const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?(Z|[+-]\d\d(?::?\d\d)?)?$/i;

/**
 * Epoch ms of a written time, strictly (Date.parse takes "1" or "May 1"), or
 * undefined. No zone means UTC, as PostgreSQL's `timestamp` columns mean it.
 */
export function parseTimestamp(text: string): number | undefined {
  const match = TIMESTAMP.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second = "00", fraction = "", zone = "Z"] = match;
  const [m, d, h, min, s] = [month, day, hour, minute, second].map(Number) as [number, number, number, number, number];
  if (m < 1 || m > 12 || d < 1 || d > 31 || h > 23 || min > 59 || s > 59) return undefined;
  let at = Date.UTC(Number(year), m - 1, d, h, min, s, Number(fraction.padEnd(3, "0").slice(0, 3)));
  // Date.UTC rolls 31 February over into March: refuse a day the month has not.
  if (new Date(at).getUTCDate() !== d) return undefined;
  if (zone.toUpperCase() !== "Z") {
    const [, sign, zh, zm = "00"] = /^([+-])(\d\d):?(\d\d)?$/.exec(zone)!;
    at -= (sign === "-" ? -1 : 1) * (Number(zh) * 60 + Number(zm)) * 60_000;
  }
  return at;
}

/** A new user's record without `passwordless` (user-store.ts `userCreateItems` adds it). */
export type ImportedUser = Omit<UserRecord, "passwordless">;

/**
 * The user that `row` makes (with `userId`), or every problem found, each
 * naming its field as the format does. Roles always include `user`, as every
 * signup's do; no createdAt means now.
 */
export function importedUser(
  row: ImportRow,
  context: { userId: string; now: number },
  names: FieldNames = NATIVE_FIELD_NAMES,
): { user: ImportedUser } | { problems: string[] } {
  const problems: string[] = [];
  const problem = (field: RowField, text: string) => problems.push(`${names[field]} ${text}`);

  const checked = canonicalEmail(row.email);
  if ("problem" in checked) problem("email", checked.problem);

  if (row.username !== undefined && !USERNAME_PATTERN.test(row.username)) problem("username", USERNAME_PROBLEM);

  const name = row.name === undefined ? undefined : displayName(row.name);
  if (row.name !== undefined) {
    if (!name) problem("name", "must be printable text");
    else if ([...name].length > NAME_MAX) problem("name", `must be at most ${NAME_MAX} characters`);
  }

  let roles = ["user"];
  if (row.roles !== undefined) {
    if (!Array.isArray(row.roles) || !row.roles.every(isRole)) problem("roles", `must be a list of ${ROLES.join(", ")}`);
    else roles = [...new Set(["user", ...row.roles])];
  }

  if (row.passwordHash !== undefined) {
    const hashProblem = bcryptHashProblem(row.passwordHash);
    if (hashProblem) problem("passwordHash", hashProblem);
  }

  let createdAt = context.now;
  if (row.createdAt !== undefined) {
    const at = parseTimestamp(row.createdAt);
    if (at === undefined) problem("createdAt", "must be a time such as 2024-05-01T12:00:00Z");
    else if (at > context.now) problem("createdAt", "must not be in the future");
    else createdAt = at;
  }

  if (problems.length > 0 || "problem" in checked) return { problems };
  return {
    user: {
      userId: context.userId,
      email: checked.email,
      ...(row.username !== undefined && { username: row.username }),
      ...(name && { name }),
      roles,
      ...(row.passwordHash !== undefined && { passwordHash: row.passwordHash }),
      emailVerified: row.emailVerified,
      ...(row.disabled && { disabled: true }),
      // ISO with milliseconds and Z, as signup writes it: the users list sorts on this text.
      createdAt: new Date(createdAt).toISOString(),
    },
  };
}
