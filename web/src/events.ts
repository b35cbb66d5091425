/** An account event (`GET /users/me/events`) in words: "Signed in with a passkey", "Email address changed". */
import type { Event } from "@lambda-auth-api/client";

const EVENT_TEXT: Record<string, string> = {
  signup: "Account created",
  signin: "Signed in",
  signin_failed: "Failed sign-in attempt",
  locked_out: "Sign-in locked after too many failed attempts",
  refresh_reuse_detected: "A stolen or copied session was detected and ended",
  signout: "Signed out",
  session_revoked: "A session was signed out",
  password_changed: "Password changed",
  password_reset_requested: "Password reset requested",
  password_reset: "Password reset",
  email_verified: "Email address verified",
  email_change_requested: "Email address change requested",
  email_changed: "Email address changed",
  profile_updated: "Name or username changed",
  imported: "Account imported from another system",
  roles_changed: "Roles changed",
  disabled: "Account disabled",
  enabled: "Account enabled",
  account_deleted: "Account deleted",
  mfa_enabled: "Authenticator app turned on",
  mfa_disabled: "Authenticator app turned off",
  mfa_failed: "Wrong second-factor code",
  recovery_code_used: "Signed in with a recovery code",
  recovery_codes_regenerated: "New recovery codes made",
  mfa_reset: "Second factor reset by an admin",
  passkey_added: "Passkey added",
  passkey_removed: "Passkey removed",
  identity_linked: "Account connected",
  identity_unlinked: "Account disconnected",
  client_authorized: "Signed in to an app",
  code_reuse_detected: "A reused sign-in code was refused",
};

/** "with a passkey", "with Google" (the provider's name when known), "with a password". */
function methodText(method: string, providerName: (id: string) => string): string {
  if (method === "password") return "with a password";
  if (method === "passkey") return "with a passkey";
  if (method.startsWith("provider:")) return `with ${providerName(method.slice("provider:".length))}`;
  return "";
}

/** What happened, in words (a type the app does not know yet is said as it is, readable). */
export function eventText(event: Pick<Event, "type" | "method">, providerName: (id: string) => string = (id) => id): string {
  const base = EVENT_TEXT[event.type] ?? event.type.replace(/_/g, " ").replace(/^./, (first) => first.toUpperCase());
  const how = event.method ? methodText(event.method, providerName) : "";
  if (how && (event.type === "signin" || event.type === "signup" || event.type === "identity_linked" || event.type === "identity_unlinked")) {
    return `${base} ${how}`;
  }
  return base;
}
