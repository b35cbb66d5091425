// The authorizer's verdict on a session, by its id alone (integration tests):
// looks up the session's user, then asks lib/sessions/session-check.ts as the authorizer does.
import { checkSession } from "../../lib/sessions/session-check.js";
import * as store from "../../lib/sessions/session-store.js";

export async function isSessionActive(sid: string, now = Date.now()): Promise<boolean> {
  const session = await store.getSession(sid);
  return session !== undefined && (await checkSession(sid, session.userId, now)) !== undefined;
}
