/**
 * Parsers for the request bodies of the contract. Each takes the parsed JSON
 * (unknown) and returns typed input or throws BadRequestError listing every
 * problem found. Fields not named in the contract are ignored, never trusted
 * (a `roles` sent to signup has no effect).
 */
import { BadRequestError, NotFoundError, type FieldProblem } from "./errors.js";
import { passwordProblems } from "../methods/password/password.js";
import { ROLES, isRole, type Role } from "../users/roles.js";
import { canonicalEmail } from "../users/email-address.js";

// Before normalization (spaces, Unicode domains); email-address.ts limits the canonical form to 254.
const EMAIL_RAW_MAX = 320;
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/;
export const NAME_MAX = 100;
// Long enough for any password a person types, short enough that no one hashes megabytes.
export const SECRET_MAX = 1024;
export const USER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Fields = Record<string, unknown>;

class Checker {
  readonly problems: FieldProblem[] = [];
  constructor(readonly body: Fields) {}

  problem(field: string, problem: string): void {
    this.problems.push({ field, problem });
  }

  string(field: string, opts: { required: boolean; max: number }): string | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) {
      if (opts.required) this.problem(field, "is required");
      return undefined;
    }
    if (typeof value !== "string") return void this.problem(field, "must be a string");
    if (value.length === 0) return void this.problem(field, "must not be empty");
    // Characters as JSON Schema counts them (code points), not UTF-16 units: an emoji is one.
    if (value.length > opts.max && [...value].length > opts.max) return void this.problem(field, `must be at most ${opts.max} characters`);
    return value;
  }

  email(field: string, required: boolean): string | undefined {
    const raw = this.string(field, { required, max: EMAIL_RAW_MAX });
    if (raw === undefined) return undefined;
    const checked = canonicalEmail(raw);
    if ("problem" in checked) return void this.problem(field, checked.problem);
    return checked.email;
  }

  username(field: string, required: boolean): string | undefined {
    const username = this.string(field, { required, max: 32 });
    if (username === undefined) return undefined;
    if (!USERNAME_PATTERN.test(username)) {
      return void this.problem(field, "must be 3-32 letters, digits, '_', '.' or '-', starting with a letter or digit");
    }
    return username;
  }

  boolean(field: string): boolean | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") return void this.problem(field, "must be a boolean");
    return value;
  }

  done(): void {
    if (this.problems.length > 0) {
      const summary = this.problems.map((p) => `${p.field} ${p.problem}`).join("; ");
      throw new BadRequestError(`Invalid request: ${summary}`, this.problems);
    }
  }
}

function checker(body: unknown): Checker {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequestError("Request body must be a JSON object");
  }
  return new Checker(body as Fields);
}

export interface SignupInput {
  email: string;
  password: string;
  username?: string;
  name?: string;
}

export function parseSignup(body: unknown): SignupInput {
  const c = checker(body);
  const email = c.email("email", true);
  const username = c.username("username", false);
  const password = c.string("password", { required: true, max: SECRET_MAX });
  const rawName = c.string("name", { required: false, max: NAME_MAX });
  const name = rawName?.trim();
  if (rawName !== undefined && (!name || /\p{Cc}/u.test(name))) c.problem("name", "must be printable text");
  if (password !== undefined) {
    for (const problem of passwordProblems(password, { email, username })) c.problem("password", problem);
  }
  c.done();
  return { email: email!, password: password!, ...(username && { username }), ...(name && { name }) };
}

export type SigninInput = { password: string } & ({ email: string } | { username: string });

export function parseSignin(body: unknown): SigninInput {
  const c = checker(body);
  const hasEmail = c.body.email !== undefined && c.body.email !== null;
  const hasUsername = c.body.username !== undefined && c.body.username !== null;
  if (!hasEmail && !hasUsername) c.problem("email", "is required (or username)");
  const email = hasEmail ? c.email("email", true) : undefined;
  const username = !hasEmail && hasUsername ? c.username("username", true) : undefined;
  const password = c.string("password", { required: true, max: SECRET_MAX });
  c.done();
  return email !== undefined ? { email, password: password! } : { username: username!, password: password! };
}

export function parseRefresh(body: unknown): { refreshToken: string } {
  const c = checker(body);
  const refreshToken = c.string("refreshToken", { required: true, max: SECRET_MAX });
  c.done();
  return { refreshToken: refreshToken! };
}

export interface SignoutInput {
  refreshToken?: string;
  allSessions?: boolean;
}

export function parseSignout(body: unknown): SignoutInput {
  const c = checker(body ?? {});
  const refreshToken = c.string("refreshToken", { required: false, max: SECRET_MAX });
  const allSessions = c.boolean("allSessions");
  c.done();
  return { ...(refreshToken !== undefined && { refreshToken }), ...(allSessions !== undefined && { allSessions }) };
}

export interface PasswordChangeInput {
  currentPassword: string;
  newPassword: string;
}

/** Shape only: the policy needs the user's email and username, so the caller applies it. */
export function parsePasswordChange(body: unknown): PasswordChangeInput {
  const c = checker(body);
  const currentPassword = c.string("currentPassword", { required: true, max: SECRET_MAX });
  const newPassword = c.string("newPassword", { required: true, max: SECRET_MAX });
  c.done();
  return { currentPassword: currentPassword!, newPassword: newPassword! };
}

export function parseRoles(body: unknown): Role[] {
  const c = checker(body);
  const roles = c.body.roles;
  if (!Array.isArray(roles)) c.problem("roles", "must be an array of strings");
  else if (roles.length > ROLES.length) c.problem("roles", `must hold at most ${ROLES.length} roles`);
  else if (!roles.every(isRole)) c.problem("roles", `must contain only ${ROLES.join(", ")}`);
  c.done();
  return [...new Set(roles as Role[])];
}

/** A `{id}` that is not shaped like a user id names no user: the same 404 as an unknown one, no lookup made. */
export function parseUserId(id: unknown): string {
  if (typeof id !== "string" || !USER_ID_PATTERN.test(id)) throw new NotFoundError("User not found");
  return id;
}

/** `PATCH /users/{id}`: `{ disabled: boolean }` (roles change through PUT /users/{id}/roles). */
export function parseUserUpdate(body: unknown): { disabled: boolean } {
  const c = checker(body);
  const disabled = c.boolean("disabled");
  if (disabled === undefined && !c.problems.length) c.problem("disabled", "is required");
  c.done();
  return { disabled: disabled! };
}

/** `DELETE /users/me`: `{ currentPassword }`. */
export function parseAccountDeletion(body: unknown): { currentPassword: string } {
  const c = checker(body);
  const currentPassword = c.string("currentPassword", { required: true, max: SECRET_MAX });
  c.done();
  return { currentPassword: currentPassword! };
}

export function parseForgotPassword(body: unknown): { email: string } {
  const c = checker(body);
  const email = c.email("email", true);
  c.done();
  return { email: email! };
}

export interface PasswordResetInput {
  token: string;
  newPassword: string;
}

/** Shape only: the policy needs the account's email and username, so the reset applies it. */
export function parsePasswordReset(body: unknown): PasswordResetInput {
  const c = checker(body);
  const token = c.string("token", { required: true, max: SECRET_MAX });
  const newPassword = c.string("newPassword", { required: true, max: SECRET_MAX });
  c.done();
  return { token: token!, newPassword: newPassword! };
}

export function parseEmailVerification(body: unknown): { token: string } {
  const c = checker(body);
  const token = c.string("token", { required: true, max: SECRET_MAX });
  c.done();
  return { token: token! };
}
