/** The bodies and path parameters of the admin routes. */
import { checker, USER_ID_PATTERN } from "../http/checker.js";
import { NotFoundError } from "../platform/errors.js";
import { ROLES, isRole, type Role } from "../users/roles.js";

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
