/**
 * What the app says when something failed: one sentence for people (never a
 * stack trace, never an API field name such as `newPassword`), and, for a
 * form, which of its fields each problem belongs to.
 */
import {
  AuthApiError,
  AuthorizationError,
  BadRequestError,
  SessionEndedError,
  TooManyRequestsError,
} from "@lambda-auth-api/client";

/** "in 45 seconds", "in 2 minutes", "in a few minutes" */
function waitText(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "in a few minutes";
  if (seconds < 90) return `in ${Math.max(1, Math.round(seconds))} ${Math.round(seconds) === 1 ? "second" : "seconds"}`;
  return `in ${Math.ceil(seconds / 60)} minutes`;
}

/** Codes whose API message is written for developers; these words are for the user. */
const CODE_TEXT: Record<string, string> = {
  email_taken: "This email address is already in use by another account.",
  username_taken: "This username is taken: choose another one.",
  wrong_password: "The current password is wrong.",
  invalid_credentials: "The email, username or password is wrong.",
  invalid_mfa_code: "The code is wrong, expired or already used.",
  mfa_required:
    "This needs a session signed in with your second factor. Sign out, then sign in again with your authenticator app, a recovery code or a passkey, and try again.",
  invalid_token: "This link is invalid, has expired or was already used. Ask for a new one.",
  service_unavailable: "The service is busy right now; nothing was changed. Please try again in a moment.",
  internal_error: "Something went wrong on our side; nothing was changed. Please try again.",
};

/** A problem the page found with one field before sending anything ("Enter your current password."). */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A sentence for the user; never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof FieldError) return error.message;
  if (error instanceof TooManyRequestsError) {
    // The API's own message already says "try again later": the wait is said once, here.
    const what = error.code === "too_many_attempts" ? "Too many failed attempts for this account." : "Too many requests.";
    return `${what} Try again ${waitText(error.retryAfter)}.`;
  }
  if (error instanceof SessionEndedError) return "You are not signed in any more. Please sign in again.";
  if (error instanceof BadRequestError && error.problems.length > 0 && error.code === "invalid_request") {
    return error.problems.map((problem) => sentence(fieldLabel(problem.field), problem.problem)).join(" ");
  }
  // The client's NetworkError (code `network_error`) is one too: its message says what to check (the connection, CORS_ORIGINS).
  if (error instanceof AuthApiError) return CODE_TEXT[error.code] ?? error.message;
  if (error instanceof AuthorizationError) {
    return error.code === "access_denied" ? "The sign-in was cancelled." : "The sign-in could not be completed. Please sign in again.";
  }
  // A fetch outside the client (the app's own /config.json).
  if (error instanceof TypeError) return "The server could not be reached. Check your connection and try again.";
  return "Something went wrong. Please try again.";
}

/** The API's field names, said as the forms label them (for a problem of a field the form does not show). */
const FIELD_LABELS: Record<string, string> = {
  email: "Email",
  newEmail: "New email",
  password: "Password",
  currentPassword: "Current password",
  newPassword: "New password",
  username: "Username",
  name: "Name",
  code: "Code",
  token: "The link",
};

export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? "A value";
}

/** "New password" + "is too common" → "New password is too common: choose one that is harder to guess." */
export function sentence(label: string, problem: string): string {
  const friendlier = problem === "is too common" ? "is too common: choose one that is harder to guess" : problem;
  return `${label} ${friendlier}.`;
}

/** A problem of one field of a form: the field's `name` (the API's field name) and the sentence for it, given the field's label. */
export interface FieldProblem {
  field: string;
  say(label: string): string;
}

/** Codes that are about one field, and the form field names (any the form has) they belong to. */
const CODE_FIELDS: Record<string, string[]> = {
  email_taken: ["newEmail", "email"],
  username_taken: ["username"],
  wrong_password: ["currentPassword"],
  invalid_mfa_code: ["code"],
};

/** The per-field problems of `error`, by the API's field names (400 `errors`, or a code about one field). */
export function fieldProblems(error: unknown): FieldProblem[] {
  if (error instanceof FieldError) return [{ field: error.field, say: () => error.message }];
  if (error instanceof BadRequestError && error.code === "invalid_request") {
    return error.problems.map(({ field, problem }) => ({ field, say: (label: string) => sentence(label, problem) }));
  }
  const text = error instanceof AuthApiError ? CODE_TEXT[error.code] : undefined;
  if (error instanceof AuthApiError && text && CODE_FIELDS[error.code]) {
    return CODE_FIELDS[error.code]!.map((field) => ({ field, say: () => text }));
  }
  return [];
}
