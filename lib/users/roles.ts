/** The roles a user may hold, and the permissions they grant (ROLE_PERMISSIONS). */
import { config } from "../platform/config.js";

export const ROLES = ["user", "moderator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** True when the caller holds at least one of the required roles. */
export function hasAnyRole(callerRoles: readonly string[], required: readonly Role[]): boolean {
  return required.some((role) => callerRoles.includes(role));
}

/** The union of the permissions of `roles`, in a stable order (the access token's `permissions`). */
export function permissionsOf(roles: readonly string[]): string[] {
  return [...new Set(roles.flatMap((role) => (Object.hasOwn(config.rolePermissions, role) ? config.rolePermissions[role]! : [])))].sort();
}
