/** The bodies of the account routes: signup, password change and reset, email verification, deletion. */
import { checker, NAME_MAX, SECRET_MAX } from "../http/checker.js";
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
  const rawName = c.string("name", { required: false, max: NAME_MAX });
  const name = rawName?.trim();
  if (rawName !== undefined && (!name || /\p{Cc}/u.test(name))) c.problem("name", "must be printable text");
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
