/** The signed-in user's own routes: profile, OpenID claims, sessions, events, account deletion. */
import type { Transport } from "./request.js";
import { callFor, ROUTES } from "./routes.js";
import type { SessionHooks } from "./session-hooks.js";
import type { AccountDeletionRequest, EventList, ListQuery, SessionList, UserBody, Userinfo } from "./types.js";

export function meRoutes(transport: Transport, hooks: SessionHooks) {
  return {
    /** GET /users/me */
    get: () => transport.call<UserBody>(callFor(ROUTES.getMe), "bearer"),
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
    /** DELETE /users/me with the current password: the account and its sessions are gone. */
    async delete(body: AccountDeletionRequest): Promise<void> {
      await transport.call<void>(callFor(ROUTES.deleteMe, { body }), "bearer");
      await hooks.forget();
    },
  };
}
