/** The body of a password signin: an email or a username, and the password. */
import { checker, SECRET_MAX } from "../../http/checker.js";

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

