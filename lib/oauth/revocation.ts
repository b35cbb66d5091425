/**
 * POST /oauth2/revoke (RFC 7009): ends the session of a refresh token, or of
 * an access token, that was issued to the calling client. The answer is 200
 * whatever the token was (unknown, already ended, another client's), so that
 * the endpoint tells nobody which tokens exist. A machine token has no
 * session to end; it lives until it expires or its client is deleted.
 */
import type { ClientRecord } from "../clients/client-store.js";
import type { ClientInfo } from "../http/client-info.js";
import { verifyAccessToken, InvalidAccessTokenError } from "../keys/access-tokens.js";
import { verificationKeys } from "../keys/verification-keys.js";
import { config } from "../platform/config.js";
import { refreshTokenSid } from "../sessions/refresh-tokens.js";
import { endSessionRecorded, getSession } from "../sessions/session-store.js";
import { sessionEvent } from "../sessions/sessions.js";
import { sessionOfRefreshToken } from "../sessions/signout.js";
import { OAuthError } from "./oauth-errors.js";

const issuedTo = (session: { clientId?: string }) => session.clientId ?? config.firstPartyClientId;

export async function revokeToken(client: ClientRecord, form: URLSearchParams, device: ClientInfo, now = Date.now()): Promise<void> {
  const token = form.get("token");
  if (!token) throw new OAuthError("invalid_request", "token is required");
  const session = refreshTokenSid(token) ? await sessionOfRefreshToken(token) : await sessionOfAccessToken(token);
  if (!session || issuedTo(session) !== client.clientId) return;
  await endSessionRecorded(session.sid, now, sessionEvent("signout", session.userId, now, device, session.sid), session.userId);
}

async function sessionOfAccessToken(token: string) {
  try {
    const verified = verifyAccessToken((await verificationKeys()).byKid, token);
    return verified.kind === "user" ? await getSession(verified.sid) : undefined;
  } catch (error) {
    if (error instanceof InvalidAccessTokenError) return undefined;
    throw error;
  }
}
