import { canonicalEmail } from "./email-address.js";
import type { UserRecord } from "./user-store.js";

/** The contract's User: what a client may see of a user, never the hash. */
export interface User {
  id: string;
  email: string;
  /** True once the owner proved they read this address (verification link or password reset). */
  emailVerified: boolean;
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
    emailVerified: record.emailVerified === true,
    ...(record.username !== undefined && { username: record.username }),
    ...(record.name !== undefined && { name: record.name }),
    roles: record.roles,
    ...(record.disabled === true && { disabled: true }),
    createdAt: record.createdAt,
  };
}

/**
 * The canonical form of an email (email-address.ts), used everywhere one is
 * stored or looked up. An address that has none (invalid) is returned
 * NFKC-normalized, trimmed and lower-cased: it matches no account.
 */
export function normalizeEmail(email: string): string {
  const checked = canonicalEmail(email);
  return "email" in checked ? checked.email : email.normalize("NFKC").trim().toLowerCase();
}
