/**
 * A typed client for the auth API, for browsers and Node 20+, with no
 * dependencies: `fetch`, and where present Web Locks and BroadcastChannel.
 *
 *   const auth = new AuthClient({ baseUrl: "http://localhost:3000", storage: localStorageStorage() });
 *   const result = await auth.signIn({ email, password });
 *   if (result.status === "mfa-required") await auth.verifyMfa({ mfaToken: result.mfaToken, factor: "totp", code });
 *   await auth.signInWithPasskey((optionsJSON) => startAuthentication({ optionsJSON })); // or passkeys-browser.ts
 *   await auth.signInWithRedirect({ redirectUri: `${location.origin}/callback` });     // as the OAuth client `clientId`
 *   await auth.handleRedirectCallback(location.href);                                   // at the redirect URI
 *   const { providers } = await auth.providers();                                       // "Continue with " + providers[0].name
 *   await auth.signInWithRedirect({ redirectUri: `${location.origin}/callback`, provider: providers[0].id });
 *   const { user } = await auth.me.get();
 *   const response = await auth.authFetch("https://api.example.com/orders");
 *   auth.onSessionEnded(() => showSignedOutNotice());
 */
export { AuthClient, type AuthClientOptions, type SigninResult } from "./auth-client.js";
export * from "./errors.js";
export { memoryStorage, localStorageStorage, type TokenStorage, type WebStorage } from "./storage.js";
export type { StoredSession } from "./session.js";
export { ROUTES, type Route, type RouteName } from "./routes.js";
export { readClaims, type AccessTokenClaims } from "./jwt.js";
export type { IdTokenClaims } from "./id-token.js";
export type { RedirectSignin, RedirectSigninOptions } from "./redirect.js";
export type * from "./types.js";
