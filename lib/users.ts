import type { UserRecord } from "./store.js";

/** The contract's User: what a client may see of a user, never the hash. */
export interface User {
  id: string;
  email: string;
  username?: string;
  name?: string;
  roles: string[];
  /** Present (true) only while the account is disabled. */
  disabled?: boolean;
  createdAt: string;
}

export function toUser(record: UserRecord): User {
  return {
    id: record.userId,
    email: record.email,
    ...(record.username !== undefined && { username: record.username }),
    ...(record.name !== undefined && { name: record.name }),
    roles: record.roles,
    ...(record.disabled === true && { disabled: true }),
    createdAt: record.createdAt,
  };
}

/** Emails are compared trimmed and lower-cased everywhere. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
