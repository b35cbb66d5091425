/**
 * The authorization code grant (RFC 6749 4.1.3, RFC 7636 4.6): the code is
 * checked against everything it is bound to, then spent in the transaction
 * that opens the client's session, so that exactly one exchange succeeds.
 * A code presented again after that ends the session it opened (RFC 6749
 * 4.1.2: "SHOULD revoke all tokens previously issued based on that code").
 */
import type { ClientRecord } from "../clients/client-store.js";
import type { ClientInfo } from "../http/client-info.js";
import { logger } from "../platform/logger.js";
import { endSessionRecorded, getSession, putSession, sessionOpenCheck, type AuthenticationMethod } from "../sessions/session-store.js";
import { isLive, newSession, sessionEvent, sessionResponse } from "../sessions/sessions.js";
import { USER_SESSION_FIELDS, getUser, sessionVersionCheck } from "../users/user-store.js";
import { toUser } from "../users/users.js";
import { s256 } from "./authorization.js";
import { authorizationCodeSpend, getAuthorizationCode, type AuthorizationCodeRecord } from "./code-store.js";
import { OAuthError } from "./oauth-errors.js";
import { tokenResponse, type TokenResponse } from "./token-response.js";

/** RFC 7636 4.1: 43 to 128 unreserved characters. */
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const CODE_FORMAT = /^[A-Za-z0-9_-]{43}$/;

const invalidGrant = (why: string) => new OAuthError("invalid_grant", why);

export async function exchangeCode(client: ClientRecord, form: URLSearchParams, device: ClientInfo, now: number): Promise<TokenResponse> {
  const code = form.get("code");
  const redirectUri = form.get("redirect_uri");
  const verifier = form.get("code_verifier");
  if (!code) throw new OAuthError("invalid_request", "code is required");
  if (!redirectUri) throw new OAuthError("invalid_request", "redirect_uri is required");
  if (!verifier) throw new OAuthError("invalid_request", "code_verifier is required (PKCE)");
  if (!CODE_VERIFIER.test(verifier)) throw new OAuthError("invalid_request", "code_verifier must be 43 to 128 unreserved characters");

  const record = CODE_FORMAT.test(code) ? await getAuthorizationCode(code) : undefined;
  if (!record) throw invalidGrant("The code is invalid, expired or used");
  if (record.usedAt !== undefined) return reused(record, now, device);
  // One answer for every mismatch: the caller learns nothing about which binding failed.
  const bound = record.clientId === client.clientId && record.redirectUri === redirectUri && s256(verifier) === record.codeChallenge;
  if (!bound || record.expiresAt <= Math.floor(now / 1000)) throw invalidGrant("The code is invalid, expired or used, or was issued to another client, redirect URI or code_verifier");

  // A code from the hosted page is good while its session lives; one from an outside provider has none (the user's state is checked alone).
  const [user, ssoSession] = await Promise.all([getUser(record.userId, USER_SESSION_FIELDS), record.sid === undefined ? undefined : getSession(record.sid)]);
  const ssoLive = record.sid === undefined || (ssoSession !== undefined && ssoSession.userId === record.userId && user !== undefined && isLive(ssoSession, user, now));
  const unchanged = record.sessionVersion === undefined || (user?.sessionVersion ?? 0) === record.sessionVersion;
  if (!user || user.disabled || !ssoLive || !unchanged) throw invalidGrant("The session the code was issued in has ended");
  const amr = record.amr as AuthenticationMethod[];
  const opened = newSession(user, amr, now, device);
  const session = {
    ...opened.record,
    clientId: client.clientId,
    scope: record.scope,
    audience: client.audience,
    authTime: record.authTime,
    ...(record.sid !== undefined && { ssoSid: record.sid }),
  };
  const event = { ...sessionEvent("client_authorized", user.userId, now, device, session.sid), clientId: client.clientId };
  const conditions = [authorizationCodeSpend(code, session.sid, now), sessionVersionCheck(user), ...(record.sid === undefined ? [] : [sessionOpenCheck(record.sid, now)])];
  if (!(await putSession(session, conditions, event))) {
    // Spent by a parallel exchange (then the code was used twice) or the session ended meanwhile.
    const after = await getAuthorizationCode(code);
    if (after?.usedAt !== undefined) return reused(after, now, device);
    throw invalidGrant("The session the code was issued in has ended");
  }
  const response = await sessionResponse(user, session, opened.refreshToken);
  return tokenResponse(client, { ...response, user: toUser(user) }, {
    sid: session.sid,
    scope: record.scope,
    amr,
    authTime: record.authTime,
    ...(record.nonce !== undefined && { nonce: record.nonce }),
  });
}

/** A spent code presented again: whoever holds it is not the one who spent it, or the client replays. Either way the tokens it gave stop working. */
async function reused(record: AuthorizationCodeRecord, now: number, device: ClientInfo): Promise<never> {
  if (record.issuedSid) {
    const event = { ...sessionEvent("code_reuse_detected", record.userId, now, device, record.issuedSid), clientId: record.clientId };
    if (await endSessionRecorded(record.issuedSid, now, event)) {
      logger.warn({ userId: record.userId, sid: record.issuedSid, clientId: record.clientId }, "authorization code reuse ended a session");
    }
  }
  throw invalidGrant("The code is invalid, expired or used");
}
