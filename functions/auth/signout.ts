import { isOwnAppClient, noContent, protectedRoute } from "../../lib/http/routes.js";
import { ForbiddenError } from "../../lib/platform/errors.js";
import { endAllSessions, endSession, endSessionByRefreshToken } from "../../lib/sessions/signout.js";
import { parseSignout } from "../../lib/sessions/input.js";

/** `allSessions: true` ends every session; `refreshToken` ends that one; an empty body ends the caller's own. */
export const handler = protectedRoute({ body: "optional-json", relyingParties: true }, async ({ body, caller, client }) => {
  const input = parseSignout(body);
  // Another application may end the session it holds, never the user's others.
  if (!isOwnAppClient(caller.clientId) && (input.allSessions || input.refreshToken !== undefined)) {
    throw new ForbiddenError("An application's token ends its own session only");
  }
  const now = Date.now();
  if (input.allSessions) await endAllSessions(caller.userId, now, client);
  else if (input.refreshToken !== undefined) await endSessionByRefreshToken(caller.userId, input.refreshToken, now, client);
  else await endSession(caller.userId, caller.sid, now, client);
  return noContent();
});
