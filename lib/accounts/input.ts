/** The bodies of the account routes: signup, password change and reset, email verification and change, profile update, deletion. */
import { checker, SECRET_MAX } from "../http/checker.js";
import { CODE_MAX } from "../methods/mfa/input.js";
import { passwordProblems } from "../methods/password/password.js";

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
  const name = c.name("name");
  if (password !== undefined) {
    for (const problem of passwordProblems(password, { email, username })) c.problem("password", problem);
  }
  c.done();
  return { email: email!, password: password!, ...(username && { username }), ...(name && { name }) };
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

export interface ProfileUpdateInput {
  name?: string;
  username?: string;
}

const PROFILE_FIELDS = ["name", "username"];

/** PATCH /users/me: name and/or username, by signup's rules; a field it does not take is refused, not ignored. */
export function parseProfileUpdate(body: unknown): ProfileUpdateInput {
  const c = checker(body);
  for (const field of Object.keys(c.body)) {
    if (!PROFILE_FIELDS.includes(field)) c.problem(field, "cannot be changed here: only name and username can");
    // The checker reads null as absent; here it would look like a removal, which the route does not do.
    else if (c.body[field] === null) c.problem(field, "must be a string (it cannot be removed)");
  }
  const username = c.username("username", false);
  const name = c.name("name");
  if (Object.keys(c.body).length === 0) c.problem("body", "must name at least one of name, username");
  c.done();
  return { ...(name && { name }), ...(username && { username }) };
}

/** `{ newEmail, currentPassword }`; a user without a password: `{ newEmail, code }`, or `{ newEmail }` from a multi-factor session. */
export interface EmailChangeInput {
  newEmail: string;
  currentPassword?: string;
  code?: string;
}

export function parseEmailChange(body: unknown): EmailChangeInput {
  const c = checker(body);
  const newEmail = c.email("newEmail", true);
  const currentPassword = c.string("currentPassword", { required: false, max: SECRET_MAX });
  const code = c.string("code", { required: false, max: CODE_MAX });
  if (currentPassword !== undefined && code !== undefined) c.problem("code", "must not be sent with currentPassword: send one of them");
  c.done();
  return { newEmail: newEmail!, ...(currentPassword !== undefined && { currentPassword }), ...(code !== undefined && { code }) };
}
