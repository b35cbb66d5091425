/**
 * The signed-in user's own routes: profile (and its changes), OpenID claims,
 * sessions, events, account deletion, and the outside accounts (identities)
 * linked to the user:
 *
 *   const { user } = await auth.me.update({ name: "Ada", username: "ada" }); // 409 username_taken
 *   await auth.me.changeEmail({ newEmail: "ada@new.example", currentPassword }); // a link goes to the new address
 *   // then, on <APP_URL>/confirm-email#token=…: await auth.account.confirmEmailChange({ token })
 *
 *   const { identities } = await auth.me.identities();                       // [{ provider, email?, linkedAt }]
 *   await auth.me.linkIdentityWithRedirect("google", `${location.origin}/profile`); // leaves the page
 *   // back at /profile?linked=google, or /profile?error=identity_in_use (account_exists, email_not_verified, ...)
 *   await auth.me.unlinkIdentity("google");                                  // 409 last_sign_in_method if it is the only way in
 */
import type { Transport } from "./request.js";
import { callFor, ROUTES } from "./routes.js";
import type { SessionHooks } from "./session-hooks.js";
import type {
  AccountDeletionRequest,
  EmailChangeRequest,
  EventList,
  IdentityLinkStart,
  IdentityList,
  ListQuery,
  MessageBody,
  ProfileUpdateRequest,
  SessionList,
  UserBody,
  Userinfo,
} from "./types.js";

export function meRoutes(transport: Transport, hooks: SessionHooks) {
  const linkIdentity = (provider: string, redirectUri: string) =>
    transport.call<IdentityLinkStart>(callFor(ROUTES.linkMyIdentity, { body: { provider, redirectUri } }), "bearer");
  return {
    /** GET /users/me */
    get: () => transport.call<UserBody>(callFor(ROUTES.getMe), "bearer"),
    /**
     * PATCH /users/me: a new `name` and/or `username`; updates the stored
     * session's user. 409 `username_taken`; 400 for an empty body or another field.
     */
    async update(body: ProfileUpdateRequest): Promise<UserBody> {
      const result = await transport.call<UserBody>(callFor(ROUTES.updateMe, { body }), "bearer");
      await hooks.updateUser(result.user);
      return result;
    },
    /**
     * POST /users/me/email: sends a confirmation link to `newEmail` (and a
     * notice to the current address); the account moves once the link is
     * opened (`auth.account.confirmEmailChange`). With `currentPassword`, or,
     * for a user without a password, a second-factor `code` (or `newEmail`
     * alone from a multi-factor session). 401 `wrong_password` /
     * `invalid_mfa_code`, 403 `mfa_required`, 409 `email_taken`.
     */
    changeEmail: (body: EmailChangeRequest) => transport.call<MessageBody>(callFor(ROUTES.changeEmail, { body }), "bearer"),
    /** GET /oauth2/userinfo: the OpenID claims of the user (`sub`, and those the token's scopes allow; all of them for a session of the JSON routes). */
    userinfo: () => transport.call<Userinfo>(callFor(ROUTES.userinfo), "bearer"),
    /** GET /users/me/sessions: the live sessions; `current` marks this one. */
    sessions: () => transport.call<SessionList>(callFor(ROUTES.listMySessions), "bearer"),
    /** DELETE /users/me/sessions/{sid}: signs that device out (forgets the local session when it is this one). */
    async endSession(sid: string): Promise<void> {
      await transport.call<void>(callFor(ROUTES.endMySession, { params: { sid } }), "bearer");
      await hooks.forgetIfCurrent(sid);
    },
    /** GET /users/me/events: newest first, paged. */
    events: (query: ListQuery = {}) => transport.call<EventList>(callFor(ROUTES.listMyEvents, { query: { ...query } }), "bearer"),
    /** GET /users/me/identities: the outside accounts linked to the user (`provider`, `email` when the provider gave one, `linkedAt`). */
    identities: () => transport.call<IdentityList>(callFor(ROUTES.listMyIdentities), "bearer"),
    /**
     * POST /users/me/identities: starts linking the user's account at
     * `provider` (an id of `GET /auth/providers`). Answers the `authorizeUrl`
     * to send the browser to; once the user signed in there, the API links
     * that identity to this user and sends the browser to `redirectUri` (an
     * origin the API allows, e.g. `${location.origin}/profile`) with
     * `?linked=<provider>`, or `?error=<code>`: `identity_in_use` (it is
     * another user's), `email_not_verified`, `invalid_state` (too late, or
     * used twice). 404 `not_found` for an unknown provider; 400 for a
     * `redirectUri` the API does not allow.
     */
    linkIdentity,
    /** `linkIdentity`, then sends the browser to its `authorizeUrl` (in a browser only; elsewhere use `linkIdentity`). */
    async linkIdentityWithRedirect(provider: string, redirectUri: string): Promise<void> {
      const browser = (globalThis as { location?: { assign(url: string): void } }).location;
      if (!browser) throw new TypeError("linkIdentityWithRedirect needs a browser; elsewhere, use linkIdentity");
      const { authorizeUrl } = await linkIdentity(provider, redirectUri);
      browser.assign(authorizeUrl);
    },
    /**
     * DELETE /users/me/identities/{provider}: unlinks it (signing in with it
     * would then make or find an account by its email again). 404 `not_found`
     * when none is linked; 409 `last_sign_in_method` when it is the user's only
     * way to sign in (no password, no passkey, no other identity).
     */
    unlinkIdentity: (provider: string) => transport.call<void>(callFor(ROUTES.unlinkMyIdentity, { params: { provider } }), "bearer"),
    /** DELETE /users/me with the current password: the account and its sessions are gone. */
    async delete(body: AccountDeletionRequest): Promise<void> {
      await transport.call<void>(callFor(ROUTES.deleteMe, { body }), "bearer");
      await hooks.forget();
    },
  };
}
