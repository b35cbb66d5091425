export const ROLES = ["user", "moderator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** True when the caller holds at least one of the required roles. */
export function hasAnyRole(callerRoles: readonly string[], required: readonly Role[]): boolean {
  return required.some((role) => callerRoles.includes(role));
}
