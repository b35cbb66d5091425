/** How the admin pages say what went wrong: the app's sentences, with the admin routes' own cases in words. */
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from "@lambda-auth-api/client";
import { describeError } from "../app.js";

/** The API's field names, as a form labels them (`redirectUris` → "Redirect URIs"). */
export type FieldLabels = Record<string, string>;

/** A 403 `forbidden` from an admin route: the caller no longer has the admin role. */
export function isLostAdminRole(error: unknown): boolean {
  return error instanceof ForbiddenError && error.code === "forbidden";
}

export function describeAdminError(error: unknown, options: { notFound?: string; fields?: FieldLabels } = {}): string {
  if (isLostAdminRole(error)) return "You need the admin role for this, and your account no longer has it.";
  if (error instanceof ForbiddenError && error.code === "mfa_required") {
    return "The admin console needs a multi-factor session: sign out, then sign in again with your second factor.";
  }
  if (error instanceof NotFoundError && options.notFound) return options.notFound;
  if (error instanceof ConflictError && error.code === "self_protection") {
    return "You cannot do this to your own account: another admin must remove your admin role, disable, delete or reset it.";
  }
  if (error instanceof BadRequestError && error.problems.length > 0 && options.fields) {
    const fields = options.fields;
    return `Please check: ${error.problems.map(({ field, problem }) => `${fields[field] ?? field} ${problem}`).join("; ")}.`;
  }
  return describeError(error);
}
