import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import commonPasswords from "./common-passwords.json";
import { BadRequestError } from "../../platform/errors.js";
import { config } from "../../platform/config.js";

export const PASSWORD_MIN_CHARS = 8;
/** bcrypt only reads the first 72 bytes; longer passwords are rejected, never truncated. */
export const PASSWORD_MAX_BYTES = 72;

// Pure, so that bundles which never check a password (me, roles, signout) drop the 200 KiB list.
const common = /* @__PURE__ */ new Set<string>(commonPasswords);

export interface PasswordContext {
  email?: string;
  username?: string;
}

/** The contract's password policy. Returns the problems found, empty when the password is acceptable. */
export function passwordProblems(password: string, context: PasswordContext = {}): string[] {
  const problems: string[] = [];
  if ([...password].length < PASSWORD_MIN_CHARS) {
    problems.push(`must be at least ${PASSWORD_MIN_CHARS} characters`);
  }
  if (Buffer.byteLength(password, "utf8") > PASSWORD_MAX_BYTES) {
    problems.push(`must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8`);
  }
  const lower = password.toLowerCase();
  if (common.has(lower)) problems.push("is too common");
  if ((context.email && lower === context.email.toLowerCase()) || (context.username && lower === context.username.toLowerCase())) {
    problems.push("must not be the same as the email or username");
  }
  return problems;
}

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, config.bcryptCost);
}

let dummy: Promise<string> | undefined;

/**
 * A real bcrypt hash, at BCRYPT_COST, of a random secret that no one knows,
 * made once per container (on its first password check, not at import: bundles
 * that import this module without checking a password never pay for it).
 * Comparing against it when there is no account or no password makes that cost
 * what a wrong password costs, at whatever cost is configured.
 */
export function dummyHash(): Promise<string> {
  return (dummy ??= bcrypt.hash(randomBytes(32).toString("base64url"), config.bcryptCost));
}

/** Compares with the same work whether or not there is a stored hash. */
export async function verifyPassword(password: string, passwordHash: string | undefined): Promise<boolean> {
  // bcrypt ignores bytes past 72, so a longer attempt could match a stored password it merely starts with.
  const tooLong = Buffer.byteLength(password, "utf8") > PASSWORD_MAX_BYTES;
  const usable = passwordHash !== undefined && !tooLong;
  // Awaited on every path: the container's first check makes it whichever path it takes.
  const fallback = await dummyHash();
  const matches = await bcrypt.compare(password, usable ? passwordHash : fallback);
  return matches && usable;
}

/**
 * Whether a stored hash was made at another cost than BCRYPT_COST: after a
 * right password it is made again (password-check.ts), so that a raised cost
 * reaches every account that signs in, and a known account costs what an
 * unknown one does (dummyHash).
 */
export function isOutdatedHash(passwordHash: string): boolean {
  return bcrypt.getRounds(passwordHash) !== config.bcryptCost;
}

/** 400 naming `newPassword` when a new password breaks the policy (change, reset). */
export function requireAcceptableNewPassword(password: string, context: PasswordContext): void {
  const problems = passwordProblems(password, context);
  if (problems.length > 0) {
    throw new BadRequestError(
      `Invalid request: newPassword ${problems.join("; ")}`,
      problems.map((problem) => ({ field: "newPassword", problem })),
    );
  }
}
