/** The scopes a client may ask for, and what each grants (OpenID Connect Core 5.4). */
import { OAuthError } from "./oauth-errors.js";

export const SUPPORTED_SCOPES = ["openid", "email", "profile", "offline_access"] as const;
export type Scope = (typeof SUPPORTED_SCOPES)[number];

/** The claims each scope adds to the ID token and userinfo. */
export const SCOPE_CLAIMS: Readonly<Record<Scope, readonly string[]>> = {
  openid: ["sub"],
  email: ["email", "email_verified"],
  profile: ["name", "preferred_username"],
  offline_access: [],
};

/** A `scope` parameter as a list without repeats; an unknown scope is invalid_scope (RFC 6749 3.3). */
export function parseScope(raw: string | undefined): Scope[] {
  const requested = [...new Set((raw ?? "").split(" ").filter(Boolean))];
  const unknown = requested.filter((scope) => !(SUPPORTED_SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) throw new OAuthError("invalid_scope", `Unsupported scope: ${unknown.join(" ")}`);
  return requested as Scope[];
}

/** A granted scope string as a list. */
export const scopesOf = (scope: string | undefined) => (scope ?? "").split(" ").filter(Boolean);
