/**
 * Signin through the API's OpenID provider, the way Auth0's SDKs sign a
 * single-page app in: the authorization code flow with PKCE (RFC 6749 4.1,
 * RFC 7636, OpenID Connect Core 3.1) as a public client.
 *
 *   await auth.signInWithRedirect({ redirectUri: `${location.origin}/callback` }); // leaves the page
 *   // then, on the page at redirectUri:
 *   const { session } = await auth.handleRedirectCallback(location.href);
 *
 * `authorizationUrl` (which `signInWithRedirect` follows) makes a code
 * verifier, a state and a nonce, keeps them for the callback (by default in
 * sessionStorage: this tab only) and answers the URL of /oauth2/authorize,
 * which signs the user in (the hosted page, or an outside provider) and
 * sends the browser back to `redirectUri` with a code. `handleRedirectCallback`
 * takes the waiting signin (once: a reload of the callback finds none),
 * checks that the answer carries its state, exchanges the code with the
 * verifier, checks the ID token (id-token.ts), reads the user and keeps the
 * session as `signIn` does: it refreshes at /auth/refresh and ends at
 * /auth/signout like any other.
 */
import { AuthorizationError } from "./errors.js";
import { checkIdToken, type IdTokenClaims } from "./id-token.js";
import { codeChallenge, randomValue } from "./pkce.js";
import { urlFor, type Transport } from "./request.js";
import { callFor, ROUTES } from "./routes.js";
import type { StoredSession } from "./session.js";
import type { TokenStorage } from "./storage.js";
import type { Session, TokenResponse, UserBody } from "./types.js";

export interface RedirectSigninOptions {
  /** Where the provider sends the browser back: exactly one of the client's registered redirect URIs. */
  redirectUri: string;
  /** Space-separated, of `openid email profile offline_access`. Default `openid email profile`. */
  scope?: string;
  /** `login`: ask for credentials even when the browser is signed in at the hosted page. */
  prompt?: "login";
  /** Pre-fills the hosted page's email. */
  loginHint?: string;
  /** Go straight to this outside provider (its id in `GET /auth/providers`). */
  provider?: string;
  /** Default: the client's `clientId` option. */
  clientId?: string;
}

/** What a redirect signin ends with: the session kept, and the ID token with its claims (when `openid` was asked). */
export interface RedirectSignin {
  session: StoredSession;
  idToken?: string;
  idTokenClaims?: IdTokenClaims;
}

/** What the AuthClient lends the redirect signin. */
export interface RedirectContext {
  baseUrl: string;
  /** The `iss` of the API's tokens. */
  issuer: string;
  clientId: string | undefined;
  /** Where the waiting signin is kept, under `pendingKey`. */
  pending: TokenStorage;
  pendingKey: string;
  transport: Transport;
  /** Keeps the session as signin does. */
  keep(session: Session): Promise<StoredSession>;
}

/** The signin that waits for its answer at the redirect URI. */
interface PendingSignin {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  clientId: string;
  scope: string;
}

const DEFAULT_SCOPE = "openid email profile";

export async function authorizationUrl(context: RedirectContext, options: RedirectSigninOptions): Promise<string> {
  const clientId = options.clientId ?? context.clientId;
  if (!clientId) throw new TypeError("A redirect signin needs a clientId (the option, or the AuthClient's)");
  const pending: PendingSignin = {
    state: randomValue(),
    nonce: randomValue(),
    codeVerifier: randomValue(),
    redirectUri: options.redirectUri,
    clientId,
    scope: options.scope ?? DEFAULT_SCOPE,
  };
  // A newer signin replaces one that never came back.
  await context.pending.setItem(context.pendingKey, JSON.stringify(pending));
  return urlFor(context.baseUrl, ROUTES.authorize.path, {
    response_type: "code",
    client_id: clientId,
    redirect_uri: pending.redirectUri,
    scope: pending.scope,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await codeChallenge(pending.codeVerifier),
    code_challenge_method: "S256",
    prompt: options.prompt,
    login_hint: options.loginHint,
    provider: options.provider,
  });
}

export async function handleRedirectCallback(context: RedirectContext, url: string | URL): Promise<RedirectSignin> {
  const answer = new URL(url).searchParams;
  const pending = parsePending(await context.pending.getItem(context.pendingKey));
  // Once: whatever this answer is, the waiting signin is spent.
  await context.pending.removeItem(context.pendingKey);
  if (!pending || answer.get("state") !== pending.state) {
    // Another tab's answer, a reload, or one made elsewhere (a login CSRF): never exchanged.
    throw new AuthorizationError("invalid_state", "This sign-in answer belongs to no sign-in started here. Please sign in again.");
  }
  // RFC 9207: an answer that names its issuer must name this one (a mix-up with another provider otherwise).
  const issuer = answer.get("iss");
  if (issuer !== null && issuer !== context.issuer) throw new AuthorizationError("invalid_response", `The sign-in answer came from ${issuer}`);
  const error = answer.get("error");
  if (error !== null) throw new AuthorizationError(error, answer.get("error_description") ?? `The sign-in ended with ${error}`);
  const code = answer.get("code");
  if (!code) throw new AuthorizationError("invalid_response", "The sign-in answer carries no code");

  const form = { grant_type: "authorization_code", code, redirect_uri: pending.redirectUri, client_id: pending.clientId, code_verifier: pending.codeVerifier };
  const tokens = await context.transport.call<TokenResponse>(callFor(ROUTES.token, { form }), "none");
  let idTokenClaims: IdTokenClaims | undefined;
  if (tokens.id_token !== undefined) {
    idTokenClaims = checkIdToken(tokens.id_token, { issuer: context.issuer, clientId: pending.clientId, nonce: pending.nonce, now: Date.now() });
  } else if (pending.scope.split(" ").includes("openid")) {
    throw new AuthorizationError("invalid_id_token", "The token endpoint answered no ID token to an openid sign-in");
  }
  // The session is kept and refreshed like signin's, which needs a refresh token.
  if (!tokens.refresh_token) throw new AuthorizationError("invalid_response", `The client ${pending.clientId} has no refresh_token grant`);
  const { user } = await context.transport.call<UserBody>(callFor(ROUTES.getMe), { accessToken: tokens.access_token });
  if (idTokenClaims && idTokenClaims.sub !== user.id) throw new AuthorizationError("invalid_id_token", "The ID token names another user than the access token");
  const session = await context.keep({
    user,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    tokenType: "Bearer",
    expiresIn: tokens.expires_in,
  });
  return { session, ...(tokens.id_token !== undefined && { idToken: tokens.id_token, idTokenClaims }) };
}

function parsePending(text: string | null): PendingSignin | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<PendingSignin>;
    const fields = [value.state, value.nonce, value.codeVerifier, value.redirectUri, value.clientId, value.scope];
    return fields.every((field) => typeof field === "string" && field !== "") ? (value as PendingSignin) : undefined;
  } catch {
    return undefined;
  }
}
