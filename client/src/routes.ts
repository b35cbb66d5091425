/**
 * Every route of the API, once: the route functions call through this table,
 * and a test holds it equal to the paths of openapi.yaml, so that the client
 * cannot miss a route or keep one the API dropped.
 */
import type { ApiCall, Method } from "./request.js";

export interface Route {
  method: Method;
  /** As in openapi.yaml, with `{name}` for path parameters. */
  path: string;
  /** "bearer": the call carries the session's access token. */
  auth: "none" | "bearer";
  /**
   * The route checks something the user typed (the current password, a
   * second-factor code): its 401 may mean a wrong one, which a refresh does
   * not cure, so it is not retried (a retry would also count a second failure
   * towards the lockout, or spend a code's time step).
   */
  checksSecret?: true;
}

export const ROUTES = {
  signup: { method: "POST", path: "/auth/signup", auth: "none" },
  signin: { method: "POST", path: "/auth/signin", auth: "none" },
  refresh: { method: "POST", path: "/auth/refresh", auth: "none" },
  signout: { method: "POST", path: "/auth/signout", auth: "bearer" },
  changePassword: { method: "POST", path: "/auth/password", auth: "bearer", checksSecret: true },
  forgotPassword: { method: "POST", path: "/auth/password/forgot", auth: "none" },
  resetPassword: { method: "POST", path: "/auth/password/reset", auth: "none" },
  verifyEmail: { method: "POST", path: "/auth/email/verify", auth: "none" },
  resendVerification: { method: "POST", path: "/auth/email/verify/resend", auth: "bearer" },
  confirmEmailChange: { method: "POST", path: "/auth/email/change/confirm", auth: "none" },
  getMe: { method: "GET", path: "/users/me", auth: "bearer" },
  deleteMe: { method: "DELETE", path: "/users/me", auth: "bearer", checksSecret: true },
  updateMe: { method: "PATCH", path: "/users/me", auth: "bearer" },
  changeEmail: { method: "POST", path: "/users/me/email", auth: "bearer", checksSecret: true },
  listMySessions: { method: "GET", path: "/users/me/sessions", auth: "bearer" },
  endMySession: { method: "DELETE", path: "/users/me/sessions/{sid}", auth: "bearer" },
  listMyEvents: { method: "GET", path: "/users/me/events", auth: "bearer" },
  listUsers: { method: "GET", path: "/users", auth: "bearer" },
  getUser: { method: "GET", path: "/users/{id}", auth: "bearer" },
  updateUser: { method: "PATCH", path: "/users/{id}", auth: "bearer" },
  deleteUser: { method: "DELETE", path: "/users/{id}", auth: "bearer" },
  setUserRoles: { method: "PUT", path: "/users/{id}/roles", auth: "bearer" },
  listUserEvents: { method: "GET", path: "/users/{id}/events", auth: "bearer" },
  listUserIdentities: { method: "GET", path: "/users/{id}/identities", auth: "bearer" },
  jwks: { method: "GET", path: "/.well-known/jwks.json", auth: "none" },
  openidConfiguration: { method: "GET", path: "/.well-known/openid-configuration", auth: "none" },
  publicMessage: { method: "GET", path: "/messages/public", auth: "none" },
  protectedMessage: { method: "GET", path: "/messages/protected", auth: "bearer" },
  moderatorMessage: { method: "GET", path: "/messages/moderator", auth: "bearer" },
  adminMessage: { method: "GET", path: "/messages/admin", auth: "bearer" },
  verifyMfa: { method: "POST", path: "/auth/mfa/verify", auth: "none" },
  getMfaStatus: { method: "GET", path: "/users/me/mfa", auth: "bearer" },
  enrollTotp: { method: "POST", path: "/users/me/mfa/totp", auth: "bearer" },
  confirmTotp: { method: "POST", path: "/users/me/mfa/totp/confirm", auth: "bearer", checksSecret: true },
  removeTotp: { method: "DELETE", path: "/users/me/mfa/totp", auth: "bearer", checksSecret: true },
  regenerateRecoveryCodes: { method: "POST", path: "/users/me/mfa/recovery-codes", auth: "bearer", checksSecret: true },
  resetUserMfa: { method: "DELETE", path: "/users/{id}/mfa", auth: "bearer" },
  passkeyRegistrationOptions: { method: "POST", path: "/users/me/passkeys/options", auth: "bearer" },
  registerPasskey: { method: "POST", path: "/users/me/passkeys", auth: "bearer" },
  listPasskeys: { method: "GET", path: "/users/me/passkeys", auth: "bearer" },
  renamePasskey: { method: "PATCH", path: "/users/me/passkeys/{id}", auth: "bearer" },
  removePasskey: { method: "DELETE", path: "/users/me/passkeys/{id}", auth: "bearer" },
  passkeySigninOptions: { method: "POST", path: "/auth/passkeys/options", auth: "none" },
  verifyPasskey: { method: "POST", path: "/auth/passkeys/verify", auth: "none" },
  // The OpenID provider. `authorize` and `logout` are where a browser is sent, not calls.
  authorize: { method: "GET", path: "/oauth2/authorize", auth: "none" },
  token: { method: "POST", path: "/oauth2/token", auth: "none" },
  userinfo: { method: "GET", path: "/oauth2/userinfo", auth: "bearer" },
  revoke: { method: "POST", path: "/oauth2/revoke", auth: "none" },
  logout: { method: "GET", path: "/oauth2/logout", auth: "none" },
  authorizationServerMetadata: { method: "GET", path: "/.well-known/oauth-authorization-server", auth: "none" },
  getAuthorizationRequest: { method: "GET", path: "/oauth2/requests/{requestId}", auth: "none" },
  completeAuthorization: { method: "POST", path: "/oauth2/requests/{requestId}/complete", auth: "bearer" },
  cancelAuthorization: { method: "POST", path: "/oauth2/requests/{requestId}/cancel", auth: "none" },
  createClient: { method: "POST", path: "/oauth2/clients", auth: "bearer" },
  listClients: { method: "GET", path: "/oauth2/clients", auth: "bearer" },
  getClient: { method: "GET", path: "/oauth2/clients/{clientId}", auth: "bearer" },
  updateClient: { method: "PATCH", path: "/oauth2/clients/{clientId}", auth: "bearer" },
  deleteClient: { method: "DELETE", path: "/oauth2/clients/{clientId}", auth: "bearer" },
  // Outside identity providers. The callbacks are where a provider sends the browser (GET, or POST for form_post), not calls.
  listProviders: { method: "GET", path: "/auth/providers", auth: "none" },
  providerCallback: { method: "GET", path: "/auth/providers/{provider}/callback", auth: "none" },
  providerFormPostCallback: { method: "POST", path: "/auth/providers/{provider}/callback", auth: "none" },
  listMyIdentities: { method: "GET", path: "/users/me/identities", auth: "bearer" },
  linkMyIdentity: { method: "POST", path: "/users/me/identities", auth: "bearer" },
  unlinkMyIdentity: { method: "DELETE", path: "/users/me/identities/{provider}", auth: "bearer" },
  authorizeWithProvider: { method: "POST", path: "/oauth2/requests/{requestId}/provider", auth: "none" },
} as const satisfies Record<string, Route>;

export type RouteName = keyof typeof ROUTES;

/** The call for a route: path parameters filled in (encoded), body and query as given. */
export function callFor(
  route: Route,
  options: { params?: Record<string, string>; body?: unknown; form?: ApiCall["form"]; query?: ApiCall["query"] } = {},
): ApiCall {
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = options.params?.[name];
    if (value === undefined || value === "") throw new TypeError(`${route.path}: missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
  return {
    method: route.method,
    path,
    body: options.body,
    form: options.form,
    query: options.query,
    retryOnUnauthorized: !("checksSecret" in route),
  };
}
