/**
 * The field checks that every route's body parser builds on (each domain's
 * `input.ts`): a parser takes the parsed JSON (unknown) and returns typed
 * input or throws one BadRequestError listing every problem found. Fields not
 * named in the contract are ignored, never trusted (a `roles` sent to signup
 * has no effect).
 */
import { BadRequestError, type FieldProblem } from "../platform/errors.js";
import { canonicalEmail } from "../users/email-address.js";

// Before normalization (spaces, Unicode domains); email-address.ts limits the canonical form to 254.
const EMAIL_RAW_MAX = 320;
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/;
export const NAME_MAX = 100;
export const USERNAME_PROBLEM = "must be 3-32 letters, digits, '_', '.' or '-', starting with a letter or digit";

/** A display name as the account routes take it: trimmed and printable; undefined when `raw` is not one. */
export function displayName(raw: string): string | undefined {
  const name = raw.trim();
  return name && !/\p{Cc}/u.test(name) ? name : undefined;
}
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
    if (!USERNAME_PATTERN.test(username)) return void this.problem(field, USERNAME_PROBLEM);
    return username;
  }

  /** A display name (`displayName`): optional and at most NAME_MAX characters unless told otherwise. */
  name(field: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
    const raw = this.string(field, { required: opts.required ?? false, max: opts.max ?? NAME_MAX });
    if (raw === undefined) return undefined;
    const name = displayName(raw);
    if (name === undefined) this.problem(field, "must be printable text");
    return name;
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

export function checker(body: unknown): Checker {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequestError("Request body must be a JSON object");
  }
  return new Checker(body as Fields);
}

