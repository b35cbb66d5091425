/**
 * The session half of the client: signup, signin, refresh and signout, the
 * stored session, and `authFetch`, which attaches the access token, refreshes
 * it ahead of expiry and retries once after a 401 that a refresh can cure.
 * Every other route is a small function in its own module (account, me,
 * mfa, passkeys, admin, messages, discovery), reached as `client.me.sessions()` etc.
 *
 * Signin has two steps for a user with a second factor: `signIn` answers
 * `{ status: "mfa-required", mfaToken, factors }` instead of a session, and
 * `verifyMfa` with that token and a code makes the session (or, when
 * `factors` has "passkey", `signInWithPasskey` with the token).
 *
 * Signin with a passkey needs no password: `signInWithPasskey` (or
 * `passkeySigninOptions` and `verifyPasskey`) with the browser's assertion.
 *
 * Or through the API's OpenID provider, as an OAuth client (`clientId`):
 * `signInWithRedirect`, then `handleRedirectCallback` at the redirect URI
 * (redirect.ts). The session it keeps refreshes and ends like any other.
 * With `{ provider }` (one of `providers()`), straight through that outside
 * identity provider ("Continue with Google").
 *
 * Refreshes are shared: callers in one page join the refresh in flight; tabs
 * that share the session (localStorage) take a Web Lock for a short time and,
 * once they hold it, re-read the storage, so that a tab that waited uses what
 * the first tab got instead of refreshing again. The lock is an optimisation:
 * the API's refresh grace window keeps tabs signed in when it is missing.
 */
import { accountRoutes } from "./account.js";
import { adminRoutes } from "./admin.js";
import { authorizationRoutes } from "./authorization.js";
import { openTabChannel, withTabLock, type TabChannel, type TabMessage } from "./cross-tab.js";
import { discoveryRoutes } from "./discovery.js";
import { errorFromResponse, ForbiddenError, SessionEndedError } from "./errors.js";
import { readClaims } from "./jwt.js";
import { meRoutes } from "./me.js";
import { messageRoutes } from "./messages.js";
import { mfaRoutes } from "./mfa.js";
import { passkeyRoutes } from "./passkeys.js";
import {
  authorizationUrl,
  handleRedirectCallback,
  type RedirectContext,
  type RedirectSignin,
  type RedirectSigninOptions,
} from "./redirect.js";
import { readResult, requestInit, urlFor, withNetworkErrors, type ApiCall, type CallAuth, type FetchFunction, type Transport } from "./request.js";
import { callFor, ROUTES } from "./routes.js";
import { needsRefresh, parseStoredSession, toStoredSession, type StoredSession } from "./session.js";
import type { SessionHooks } from "./session-hooks.js";
import { singleFlight } from "./single-flight.js";
import { localStorageStorage, memoryStorage, type TokenStorage, type WebStorage } from "./storage.js";
import type {
  AuthenticationResponseJSON,
  MfaFactor,
  MfaVerifyRequest,
  PasskeyRequestOptions,
  PasskeyVerifyRequest,
  ProviderList,
  Session,
  SigninRequest,
  SignoutRequest,
  SignupRequest,
  SignupResponse,
  User,
} from "./types.js";

export interface AuthClientOptions {
  /** The API's base URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/prod` or `http://localhost:3000`. */
  baseUrl: string;
  /** Where the session is kept. Default: memory (this page only). */
  storage?: TokenStorage;
  /** The storage key; also names the cross-tab lock and channel. Default `auth-session`. */
  storageKey?: string;
  /** Default: the global `fetch`. */
  fetch?: FetchFunction;
  /** Refresh this many seconds before the access token expires (at most a quarter of its lifetime). Default 30. */
  refreshMarginSeconds?: number;
  /** How long a tab waits for another tab's refresh before refreshing itself. Default 5000. */
  lockTimeoutMs?: number;
  /** The OAuth client this app is registered as, for `signInWithRedirect` (e.g. `web`, the example app). */
  clientId?: string;
  /** The `iss` of the API's tokens, which ID tokens are checked against. Default: `baseUrl` (set it when the API has a custom domain). */
  issuer?: string;
  /**
   * Where `signInWithRedirect` keeps the code verifier, state and nonce until
   * `handleRedirectCallback`. Default: sessionStorage (this tab, while it is
   * open), or `storage` where there is none.
   */
  redirectStorage?: TokenStorage;
}

/**
 * What `signIn` answers: the session (kept by the client), or the second step
 * for a user with a second factor: call `verifyMfa` with `mfaToken` (good for
 * 5 minutes and 5 wrong codes) and a code of one of `factors`.
 */
export type SigninResult =
  | { status: "signed-in"; session: Session }
  | { status: "mfa-required"; mfaToken: string; factors: MfaFactor[] };

const DEFAULTS = { storageKey: "auth-session", refreshMarginSeconds: 30, lockTimeoutMs: 5000 };

export class AuthClient {
  readonly baseUrl: string;
  /** Password and email: change, forgot, reset, verify, resend. */
  readonly account: ReturnType<typeof accountRoutes>;
  /** The signed-in user: profile, sessions, events, account deletion. */
  readonly me: ReturnType<typeof meRoutes>;
  /** The second factor: status, TOTP enrollment and removal, recovery codes. */
  readonly mfa: ReturnType<typeof mfaRoutes>;
  /** The signed-in user's passkeys: registration, list, rename, removal. */
  readonly passkeys: ReturnType<typeof passkeyRoutes>;
  /** Admin only: users, roles, events, second-factor reset. */
  readonly admin: ReturnType<typeof adminRoutes>;
  /** The example messages. */
  readonly messages: ReturnType<typeof messageRoutes>;
  /** The JWK Set and the OpenID discovery document. */
  readonly discovery: ReturnType<typeof discoveryRoutes>;
  /** The hosted sign-in page's calls: an authorization request, its completion or cancellation. */
  readonly authorization: ReturnType<typeof authorizationRoutes>;

  readonly #storage: TokenStorage;
  readonly #key: string;
  readonly #fetch: FetchFunction;
  readonly #marginSeconds: number;
  readonly #lockTimeoutMs: number;
  readonly #channel: TabChannel | undefined;
  readonly #changeListeners = new Set<(session: StoredSession | null) => void>();
  readonly #endedListeners = new Set<() => void>();
  readonly #refreshOnce = singleFlight(() => this.#refreshShared());
  /** The newest session another tab announced, until this tab writes one itself. */
  #heard: StoredSession | null | undefined;
  readonly #redirect: RedirectContext;

  constructor(options: AuthClientOptions) {
    this.baseUrl = options.baseUrl;
    this.#storage = options.storage ?? memoryStorage();
    this.#key = options.storageKey ?? DEFAULTS.storageKey;
    // Called unbound, the browser's fetch throws "Illegal invocation".
    // A request with no answer (the network, a CORS refusal) throws a NetworkError that says so.
    this.#fetch = withNetworkErrors(options.fetch ?? ((input, init) => fetch(input, init)), this.baseUrl);
    this.#marginSeconds = options.refreshMarginSeconds ?? DEFAULTS.refreshMarginSeconds;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs;
    if (this.#storage.shared) this.#channel = openTabChannel(`auth-client:${this.#key}`, (message) => this.#fromOtherTab(message));

    const transport: Transport = { call: (call, auth) => this.#call(call, auth) };
    const hooks: SessionHooks = {
      forget: () => this.#clear(),
      forgetIfCurrent: async (sid) => {
        const session = await this.getSession();
        if (session && readClaims(session.accessToken).sid === sid) await this.#clear();
      },
      updateUser: (user) => this.#updateUser(user),
      patchUser: (patch) => this.#patchUser(patch),
    };
    this.account = accountRoutes(transport, hooks);
    this.me = meRoutes(transport, hooks);
    this.mfa = mfaRoutes(transport, hooks);
    this.passkeys = passkeyRoutes(transport);
    this.admin = adminRoutes(transport);
    this.messages = messageRoutes(transport);
    this.discovery = discoveryRoutes(transport);
    this.authorization = authorizationRoutes(transport);
    this.#redirect = {
      baseUrl: this.baseUrl,
      issuer: (options.issuer ?? this.baseUrl).replace(/\/+$/, ""),
      clientId: options.clientId,
      pending: options.redirectStorage ?? tabStorage() ?? this.#storage,
      pendingKey: `${this.#key}:redirect-signin`,
      transport,
      keep: (session) => this.#store(session),
    };
  }

  /** POST /auth/signup. Keeps the session it answers (none when the API requires a verified email first). */
  async signUp(body: SignupRequest): Promise<SignupResponse> {
    const result = await this.#call<SignupResponse>(callFor(ROUTES.signup, { body }), "none");
    if ("accessToken" in result) await this.#store(result);
    return result;
  }

  /**
   * POST /auth/signin with email or username. Keeps the session and answers
   * `{ status: "signed-in", session }`; for a user with a second factor (403
   * `mfa_required`) answers `{ status: "mfa-required", mfaToken, factors }`,
   * to continue with `verifyMfa`. Every other refusal throws its typed error.
   */
  async signIn(body: SigninRequest): Promise<SigninResult> {
    let session: Session;
    try {
      session = await this.#call<Session>(callFor(ROUTES.signin, { body }), "none");
    } catch (error) {
      const step = secondStep(error);
      if (step) return step;
      throw error;
    }
    await this.#store(session);
    return { status: "signed-in", session };
  }

  /**
   * POST /auth/mfa/verify: the second step of signin, with the `mfaToken`
   * that `signIn` answered and a code of `factor` ("totp": the app's current
   * code; "recovery_code": one of the recovery codes, used up). Keeps the
   * session, as `signIn` does. A wrong code throws 401 `invalid_mfa_code` (the
   * token stays good for another try); a token that expired, was used or had
   * too many wrong codes throws 401 `mfa_token_invalid` (sign in again).
   */
  async verifyMfa(body: MfaVerifyRequest): Promise<Session> {
    const session = await this.#call<Session>(callFor(ROUTES.verifyMfa, { body }), "none");
    await this.#store(session);
    return session;
  }

  /**
   * POST /auth/passkeys/options: WebAuthn request options (the JSON form)
   * with a fresh challenge, good once for 5 minutes. Without `mfaToken`, for
   * a discoverable passkey (empty `allowCredentials`: the browser offers the
   * passkeys it has for this site); with the `mfaToken` of signin's second
   * step, that user's passkeys (401 `mfa_token_invalid` when the token is no
   * longer good). Give them to the browser, and its assertion to `verifyPasskey`.
   */
  passkeySigninOptions(mfaToken?: string): Promise<PasskeyRequestOptions> {
    return this.#call<PasskeyRequestOptions>(callFor(ROUTES.passkeySigninOptions, { body: mfaToken === undefined ? {} : { mfaToken } }), "none");
  }

  /**
   * POST /auth/passkeys/verify with the browser's assertion (its JSON form),
   * and the `mfaToken` when it answers signin's second step. Keeps the
   * session, as `signIn` does; a user-verified passkey makes a multi-factor
   * session (`amr` has "hwk" and "mfa"). 401 `invalid_passkey` when it does
   * not verify (unknown passkey, another user's, a used or expired
   * challenge...: ask for new options); 401 `mfa_token_invalid` when the
   * second step's token is no longer good (sign in again); 403
   * `account_disabled`.
   */
  async verifyPasskey(body: PasskeyVerifyRequest): Promise<Session> {
    const session = await this.#call<Session>(callFor(ROUTES.verifyPasskey, { body }), "none");
    await this.#store(session);
    return session;
  }

  /**
   * Signin with a passkey in one call: the options, the assertion that
   * `getAssertion` gets from the browser for them (e.g. @simplewebauthn/browser's
   * `(optionsJSON) => startAuthentication({ optionsJSON })`, or
   * passkeys-browser.ts), then `verifyPasskey`. With `{ mfaToken }`, as the
   * second step of a password signin whose `factors` include "passkey".
   * Keeps the session and answers it.
   */
  async signInWithPasskey(
    getAssertion: (options: PasskeyRequestOptions) => Promise<AuthenticationResponseJSON>,
    { mfaToken }: { mfaToken?: string } = {},
  ): Promise<Session> {
    const response = await getAssertion(await this.passkeySigninOptions(mfaToken));
    return this.verifyPasskey(mfaToken === undefined ? { response } : { response, mfaToken });
  }

  /**
   * GET /auth/providers: the outside identity providers the API is
   * configured with (`{ id, name }`), for "Continue with <name>" buttons that
   * call `signInWithRedirect({ provider: id, ... })` (or, on the hosted
   * page, `authorization.withProvider`).
   */
  providers(): Promise<ProviderList> {
    return this.#call<ProviderList>(callFor(ROUTES.listProviders), "none");
  }

  /**
   * The URL of /oauth2/authorize for a signin as the OAuth client `clientId`
   * (authorization code with PKCE S256, a state and a nonce, kept for
   * `handleRedirectCallback`). `signInWithRedirect` goes there; call this
   * where the navigation is yours to make.
   */
  authorizationUrl(options: RedirectSigninOptions): Promise<string> {
    return authorizationUrl(this.#redirect, options);
  }

  /**
   * Signs in through the API's OpenID provider: sends the browser to
   * /oauth2/authorize (the hosted sign-in page, or `provider`'s), which
   * comes back to `redirectUri` with a code for `handleRedirectCallback`.
   */
  async signInWithRedirect(options: RedirectSigninOptions): Promise<void> {
    const url = await this.authorizationUrl(options);
    const browser = (globalThis as { location?: { assign(url: string): void } }).location;
    if (!browser) throw new TypeError("signInWithRedirect needs a browser; elsewhere, use authorizationUrl");
    browser.assign(url);
  }

  /**
   * At the redirect URI, with its URL (`location.href`): checks that the
   * answer is that of the signin this tab started (its state), exchanges the
   * code at /oauth2/token with the PKCE verifier, checks the ID token (issuer,
   * audience, nonce, expiry), reads the user, and keeps the session. Works
   * once per signin. Throws `AuthorizationError` (`invalid_state`, the
   * provider's `error` such as `access_denied`, `invalid_id_token`) or the
   * token endpoint's `AuthApiError` (`invalid_grant`, ...); either way
   * nothing is kept.
   */
  handleRedirectCallback(url: string | URL): Promise<RedirectSignin> {
    return handleRedirectCallback(this.#redirect, url);
  }

  /**
   * POST /auth/signout. Without arguments ends this session; `{ allSessions: true }`
   * ends every session of the user; `{ refreshToken }` ends that one. The local
   * session is forgotten whenever it was among those ended, even if the API
   * says it had already ended.
   */
  async signOut(body?: SignoutRequest): Promise<void> {
    const session = await this.getSession();
    if (!session) return;
    const endsThisOne = !body?.refreshToken || body.allSessions === true || body.refreshToken === session.refreshToken;
    try {
      await this.#call<void>(callFor(ROUTES.signout, { body }), "bearer");
    } catch (error) {
      if (!(error instanceof SessionEndedError)) throw error;
    } finally {
      if (endsThisOne) await this.#clear();
    }
  }

  /** The stored session, or null when signed out. Does not refresh. */
  async getSession(): Promise<StoredSession | null> {
    const stored = parseStoredSession(await this.#storage.getItem(this.#key));
    // Another tab's announcement wins when it is newer than what the storage shows yet.
    if (this.#heard && (!stored || this.#heard.expiresAt > stored.expiresAt)) return this.#heard;
    return stored;
  }

  /** An access token that is not about to expire (refreshing first if needed). Throws `SessionEndedError` when there is no session. */
  async getAccessToken(): Promise<string> {
    return (await this.#validSession()).accessToken;
  }

  /** Refreshes now (joining a refresh in flight). Throws `SessionEndedError` when the session no longer works. */
  refresh(): Promise<StoredSession> {
    return this.#refreshOnce();
  }

  /**
   * `fetch` with the access token: refreshed ahead of expiry, and one retry
   * after a 401 once a refresh has replaced the token. `input` may be a path
   * of this API (`/messages/protected`) or any URL that accepts these tokens.
   * Answers the `Response` as `fetch` does (any status); throws
   * `SessionEndedError` when there is no session or it was ended elsewhere.
   * The body must be one that can be sent twice (a string, not a stream).
   * `retryOnUnauthorized: false` answers the first 401 as it is (for routes
   * whose 401 may mean something else, such as a wrong current password).
   */
  async authFetch(input: string | URL, init: RequestInit = {}, { retryOnUnauthorized = true } = {}): Promise<Response> {
    const url = typeof input === "string" && input.startsWith("/") ? urlFor(this.baseUrl, input) : input;
    const session = await this.#validSession();
    const response = await this.#fetch(url, withToken(init, session.accessToken));
    if (response.status !== 401 || !retryOnUnauthorized) return response;
    // A 401 a refresh can cure: the token expired early (a suspended laptop) or its signing key was retired.
    const refreshed = await this.#refreshAfter(session);
    return this.#fetch(url, withToken(init, refreshed.accessToken));
  }

  /** Called with the new session (or null) whenever it changes, in this tab or, with shared storage, another one. */
  onSessionChange(listener: (session: StoredSession | null) => void): () => void {
    this.#changeListeners.add(listener);
    return () => void this.#changeListeners.delete(listener);
  }

  /**
   * Called once when the API refuses the session this client held: it was
   * ended elsewhere (signout of this device from another one, "sign out
   * everywhere", a password change or reset, an admin disabling the account,
   * a detected token reuse) or it expired. Not called for this client's own
   * signOut. With shared storage every tab hears it.
   */
  onSessionEnded(listener: () => void): () => void {
    this.#endedListeners.add(listener);
    return () => void this.#endedListeners.delete(listener);
  }

  /** Stops listening to other tabs (the client still works on its own). */
  close(): void {
    this.#channel?.close();
  }

  async #call<T>(call: ApiCall, auth: CallAuth): Promise<T> {
    const url = urlFor(this.baseUrl, call.path, call.query);
    const response =
      auth === "bearer"
        ? await this.authFetch(url, requestInit(call), { retryOnUnauthorized: call.retryOnUnauthorized ?? true })
        : await this.#fetch(url, requestInit(call, auth === "none" ? undefined : auth.accessToken));
    return readResult<T>(response);
  }

  async #validSession(): Promise<StoredSession> {
    const session = await this.getSession();
    if (!session) throw new SessionEndedError("Not signed in");
    return needsRefresh(session, Date.now(), this.#marginSeconds) ? this.#refreshOnce() : session;
  }

  /** After a 401 with `stale`: the session someone else already refreshed, or a refresh now. */
  async #refreshAfter(stale: StoredSession): Promise<StoredSession> {
    const current = await this.getSession();
    if (current && current.accessToken !== stale.accessToken && !needsRefresh(current, Date.now(), this.#marginSeconds)) return current;
    return this.#refreshOnce();
  }

  /** One refresh for all tabs that share the storage: the first one that takes the lock refreshes, the others use its result. */
  async #refreshShared(): Promise<StoredSession> {
    const seen = await this.getSession();
    if (!seen) throw new SessionEndedError("Not signed in");
    const refreshUnlessDone = async () => {
      const current = await this.getSession();
      // Another tab signed out (or found the session ended) while we waited.
      if (!current) throw new SessionEndedError();
      if (current.refreshToken !== seen.refreshToken && !needsRefresh(current, Date.now(), this.#marginSeconds)) return current;
      return this.#refreshWith(current);
    };
    return this.#storage.shared ? withTabLock(`auth-refresh:${this.#key}`, this.#lockTimeoutMs, refreshUnlessDone) : refreshUnlessDone();
  }

  async #refreshWith(current: StoredSession): Promise<StoredSession> {
    const call = callFor(ROUTES.refresh, { body: { refreshToken: current.refreshToken } });
    const response = await this.#fetch(urlFor(this.baseUrl, call.path), requestInit(call));
    if (response.status === 401) {
      const refusal = await errorFromResponse(response);
      await this.#ended(current);
      throw new SessionEndedError(undefined, refusal.body);
    }
    // Any other failure (503, the network) leaves the session as it was: it may still work later.
    const session = await readResult<Session>(response);
    return this.#store(session);
  }

  /** The API refused `session`: forget it (unless a new one replaced it meanwhile) and tell everyone. */
  async #ended(session: StoredSession): Promise<void> {
    const current = await this.getSession();
    if (current && current.refreshToken !== session.refreshToken) return;
    await this.#storage.removeItem(this.#key);
    this.#heard = undefined;
    this.#channel?.post({ type: "ended" });
    this.#emitChange(null);
    for (const listener of this.#endedListeners) listener();
  }

  async #store(session: Session): Promise<StoredSession> {
    const stored = toStoredSession(session, Date.now());
    await this.#write(stored);
    return stored;
  }

  async #updateUser(user: User): Promise<void> {
    const session = await this.getSession();
    if (!session || session.user.id !== user.id) return;
    await this.#write({ ...session, user });
  }

  async #patchUser(patch: Partial<User>): Promise<void> {
    const session = await this.getSession();
    if (session) await this.#write({ ...session, user: { ...session.user, ...patch } });
  }

  async #write(session: StoredSession): Promise<void> {
    await this.#storage.setItem(this.#key, JSON.stringify(session));
    this.#heard = undefined;
    this.#channel?.post({ type: "changed", session });
    this.#emitChange(session);
  }

  async #clear(): Promise<void> {
    await this.#storage.removeItem(this.#key);
    this.#heard = undefined;
    this.#channel?.post({ type: "changed", session: null });
    this.#emitChange(null);
  }

  #fromOtherTab(message: TabMessage): void {
    this.#heard = message.type === "changed" ? message.session : null;
    this.#emitChange(this.#heard);
    if (message.type === "ended") for (const listener of this.#endedListeners) listener();
  }

  #emitChange(session: StoredSession | null): void {
    for (const listener of this.#changeListeners) listener(session);
  }
}

/** The second step of signin, when `error` is signin's 403 `mfa_required` (its body carries the token and the factors). */
function secondStep(error: unknown): SigninResult | undefined {
  if (!(error instanceof ForbiddenError) || error.code !== "mfa_required") return undefined;
  const body = error.body;
  if (typeof body?.mfaToken !== "string" || !Array.isArray(body.factors)) return undefined;
  return { status: "mfa-required", mfaToken: body.mfaToken, factors: body.factors };
}

/** This tab's sessionStorage, where there is one the page may use. */
function tabStorage(): TokenStorage | undefined {
  try {
    const storage = (globalThis as { sessionStorage?: WebStorage }).sessionStorage;
    return storage ? localStorageStorage(storage) : undefined;
  } catch {
    return undefined; // the browser blocks storage for this page
  }
}

function withToken(init: RequestInit, accessToken: string): RequestInit {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${accessToken}`);
  return { ...init, headers };
}
