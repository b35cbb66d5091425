/** Users as clients see them: the contract's User. */
import { NotFoundError } from "../platform/errors.js";
import { USER_FIELDS, getUser, type UserRecord } from "./user-store.js";

/** The contract's User: what a client may see of a user, never a hash. */
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
  /** Whether the user has a second factor (a confirmed TOTP): signin then asks for it. */
  mfaEnabled: boolean;
  /** Whether the user can sign in with a password; one without sets it through the reset email. */
  hasPassword: boolean;
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
    mfaEnabled: record.mfaEnabled === true,
    hasPassword: record.passwordless !== true,
  };
}

/** The stored user with this id, `fields` only, or 404. */
export async function existingUser(userId: string, fields: Parameters<typeof getUser>[1]): Promise<UserRecord> {
  const user = await getUser(userId, fields);
  if (!user) throw new NotFoundError("User not found");
  return user;
}

/** The user with this id, or 404. */
export async function userById(userId: string): Promise<User> {
  return toUser(await existingUser(userId, USER_FIELDS));
}
