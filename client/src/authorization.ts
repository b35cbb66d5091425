/**
 * The hosted sign-in page's calls: /oauth2/authorize sends the browser to
 * `<APP_URL>/authorize?request=<requestId>`, where the page shows the
 * request, signs the user in with the JSON routes (or uses the session the
 * app already holds), then completes it, or cancels it, and sends the
 * browser to the `redirectTo` answered (the client's redirect URI with a
 * code, or with `error=access_denied`).
 *
 *   const { request } = await auth.authorization.get(requestId);   // "Sign in to " + request.clientName
 *   const { redirectTo } = await auth.authorization.complete(requestId);
 *   location.assign(redirectTo);
 *
 * Or the page hands the request to an outside provider ("Continue with
 * <name>", the providers of `auth.providers()`): `withProvider` answers the
 * provider's authorization URL; the provider's callback at the API then ends
 * the request itself (a code to the client), or, for a user with a second
 * factor, comes back to the hosted page with `#mfaToken=...&factors=...` for
 * the second step (`auth.verifyMfa`, then `complete`).
 *
 * Each answers 404 `not_found` for a request that is unknown, expired (after
 * 10 minutes) or already finished.
 */
import type { Transport } from "./request.js";
import { callFor, ROUTES } from "./routes.js";
import type { AuthorizationRedirect, AuthorizationRequestBody, ProviderRedirect } from "./types.js";

export function authorizationRoutes(transport: Transport) {
  return {
    /** GET /oauth2/requests/{requestId}: the client's id and name, the scopes, and `prompt` and `loginHint` when the client sent them. */
    get: (requestId: string) =>
      transport.call<AuthorizationRequestBody>(callFor(ROUTES.getAuthorizationRequest, { params: { requestId } }), "none"),
    /**
     * POST /oauth2/requests/{requestId}/complete with this client's session:
     * the redirect with the code. 403 `login_required` when the request has
     * `prompt=login` and the session was signed in before it; 403 `forbidden`
     * for a session the API issued to an OAuth client (only a session of the
     * JSON routes signs in at the hosted page).
     */
    complete: (requestId: string) =>
      transport.call<AuthorizationRedirect>(callFor(ROUTES.completeAuthorization, { params: { requestId } }), "bearer"),
    /**
     * POST /oauth2/requests/{requestId}/provider: signs the request in
     * through the outside provider `provider` (an id of `GET /auth/providers`):
     * `redirectTo` is the provider's authorization URL, to send the browser to.
     */
    withProvider: (requestId: string, provider: string) =>
      transport.call<ProviderRedirect>(callFor(ROUTES.authorizeWithProvider, { params: { requestId }, body: { provider } }), "none"),
    /** POST /oauth2/requests/{requestId}/cancel: the redirect with `error=access_denied`. */
    cancel: (requestId: string) =>
      transport.call<AuthorizationRedirect>(callFor(ROUTES.cancelAuthorization, { params: { requestId } }), "none"),
  };
}
