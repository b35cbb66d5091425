/**
 * GET /oauth2/logout (OpenID Connect RP-Initiated Logout 1.0): ends the
 * session the `id_token_hint` names and the hosted page's session it came
 * from, then sends the browser to a `post_logout_redirect_uri` registered for
 * that client, with `state`. Without a hint nothing ends: a link anyone can
 * plant must not sign people out (section 2 leaves that to the provider).
 */
import { getClient } from "../clients/client-store.js";
import type { ClientInfo } from "../http/client-info.js";
import { verificationKeys } from "../keys/verification-keys.js";
import { endSessionRecorded, getSession } from "../sessions/session-store.js";
import { sessionEvent } from "../sessions/sessions.js";
import { verifyIdTokenHint } from "./id-tokens.js";
import { withQuery } from "./oauth-errors.js";

export type LogoutOutcome = { kind: "redirect"; location: string } | { kind: "page"; status: 200 | 400; message: string };

export async function logout(query: Record<string, string | undefined>, device: ClientInfo, now = Date.now()): Promise<LogoutOutcome> {
  const hint = query.id_token_hint ? verifyIdTokenHint((await verificationKeys()).byKid, query.id_token_hint) : undefined;
  if (query.id_token_hint && !hint) return { kind: "page", status: 400, message: "The sign-out request carries an ID token this service did not issue." };
  const clientId = hint?.clientId ?? query.client_id;
  if (hint && query.client_id && query.client_id !== hint.clientId) return { kind: "page", status: 400, message: "client_id does not match the ID token." };
  const redirect = query.post_logout_redirect_uri;
  const client = clientId ? await getClient(clientId) : undefined;
  if (redirect && (!client || !client.postLogoutRedirectUris.includes(redirect))) {
    return { kind: "page", status: 400, message: "The application asked to return to an address that is not registered for it." };
  }
  if (hint?.sid) await endWithOrigin(hint.sid, hint.userId, now, device);
  if (redirect) return { kind: "redirect", location: withQuery(redirect, { state: query.state }) };
  return { kind: "page", status: 200, message: hint ? "You are signed out." : "Nothing to sign out of here: sign out in the application." };
}

/** The client's session and the hosted page's session that signed it in (SSO): both end, so that the next authorization asks again. */
async function endWithOrigin(sid: string, userId: string, now: number, device: ClientInfo): Promise<void> {
  const session = await getSession(sid);
  if (!session || session.userId !== userId) return;
  for (const ending of [session.sid, session.ssoSid]) {
    if (ending) await endSessionRecorded(ending, now, sessionEvent("signout", userId, now, device, ending), userId);
  }
}
