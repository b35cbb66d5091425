/**
 * The query parameters of paginated lists (`GET /users`, the events lists):
 * `limit` 1..100 (default 50), `cursor` (opaque, checked by list-cursor.ts),
 * and for the users list `email` (exact, normalized like signup). A bad value
 * is a 400 listing each problem, before anything is read; other parameters
 * are ignored, like unknown body fields.
 */
import { BadRequestError, type FieldProblem } from "../platform/errors.js";
import { CURSOR_MAX_LENGTH } from "./list-cursor.js";
import { normalizeEmail } from "../users/email-address.js";

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;
const EMAIL_MAX = 254;

export interface ListParams {
  limit: number;
  cursor?: string;
}

export interface UserListParams extends ListParams {
  email?: string;
}

type Query = Record<string, string | undefined> | null | undefined;

function parse(query: Query): { params: ListParams; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const q = query ?? {};
  let limit = DEFAULT_LIMIT;
  if (q.limit !== undefined) {
    // Digits only: "1e1", " 5", "0x10" and "5.0" are not limits.
    if (!/^[0-9]{1,3}$/.test(q.limit) || Number(q.limit) < 1 || Number(q.limit) > MAX_LIMIT) {
      problems.push({ field: "limit", problem: `must be an integer from 1 to ${MAX_LIMIT}` });
    } else limit = Number(q.limit);
  }
  const cursor = q.cursor;
  if (cursor !== undefined && (cursor === "" || cursor.length > CURSOR_MAX_LENGTH)) {
    problems.push({ field: "cursor", problem: "is not valid for this list" });
  }
  return { params: { limit, ...(cursor !== undefined && { cursor }) }, problems };
}

function done(problems: FieldProblem[]): void {
  if (problems.length > 0) {
    throw new BadRequestError(`Invalid request: ${problems.map((p) => `${p.field} ${p.problem}`).join("; ")}`, problems);
  }
}

/** `?limit=&cursor=` of an events list. */
export function parseListParams(query: Query): ListParams {
  const { params, problems } = parse(query);
  done(problems);
  return params;
}

/** `?limit=&cursor=&email=` of the users list. */
export function parseUserListParams(query: Query): UserListParams {
  const { params, problems } = parse(query);
  const raw = query?.email;
  let email: string | undefined;
  if (raw !== undefined) {
    email = raw.length > 0 && raw.length <= EMAIL_MAX ? normalizeEmail(raw) : undefined;
    if (!email || !email.includes("@")) problems.push({ field: "email", problem: "must be an email address" });
  }
  done(problems);
  return { ...params, ...(email && { email }) };
}
