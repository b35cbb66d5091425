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

// A well-formed bcrypt hash at the configured cost that no password matches in practice. Comparing
// against it when the account does not exist makes an unknown email cost the same as a wrong password.
const DUMMY_HASH = `$2b$${String(config.bcryptCost).padStart(2, "0")}$${"N9qo8uLOickgx2ZMRZoMye"}${"IjZAgcfl7p92ldGxad68LJZdL17lhWy"}`;

/** Compares with the same work whether or not there is a stored hash. */
export async function verifyPassword(password: string, passwordHash: string | undefined): Promise<boolean> {
  // bcrypt ignores bytes past 72, so a longer attempt could match a stored password it merely starts with.
  const tooLong = Buffer.byteLength(password, "utf8") > PASSWORD_MAX_BYTES;
  const usable = passwordHash !== undefined && !tooLong;
  const matches = await bcrypt.compare(password, usable ? passwordHash : DUMMY_HASH);
  return matches && usable;
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
