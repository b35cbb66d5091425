import type { UserRecord } from "./store.js";

/** The contract's User: what a client may see of a user, never the hash. */
export interface User {
  id: string;
  email: string;
  username?: string;
  name?: string;
  roles: string[];
  createdAt: string;
}

export function toUser(record: UserRecord): User {
  return {
    id: record.userId,
    email: record.email,
    ...(record.username !== undefined && { username: record.username }),
    ...(record.name !== undefined && { name: record.name }),
    roles: record.roles,
    createdAt: record.createdAt,
  };
}

/** Emails are compared trimmed and lower-cased everywhere. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
