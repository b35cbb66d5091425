/** The bodies of the session routes: refresh and signout. */
import { checker, SECRET_MAX } from "../http/checker.js";

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

