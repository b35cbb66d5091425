/** The user's claims that a scope grants, for the ID token and userinfo (OpenID Connect Core 5.4). */
import type { User } from "../users/users.js";

export function userClaims(user: User, scopes: readonly string[]): Record<string, unknown> {
  return {
    sub: user.id,
    ...(scopes.includes("email") && { email: user.email, email_verified: user.emailVerified }),
    ...(scopes.includes("profile") && {
      ...(user.name !== undefined && { name: user.name }),
      ...(user.username !== undefined && { preferred_username: user.username }),
    }),
  };
}
