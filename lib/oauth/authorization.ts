/**
 * GET /oauth2/authorize and the hosted page's side of it.
 *
 * The API has no cookie to recognise a browser by: every valid request goes
 * to the hosted sign-in page (part of the web app at APP_URL, where the
 * app's own session lives) with a request id; the page signs the user in
 * through the JSON routes, or finds them signed in already (single sign-on),
 * and completes the request with that session's access token. Completing
 * issues the code, bound to the client, redirect URI, PKCE challenge, nonce,
 * scope and that session, and sends the browser to the client.
 *
 * Strictness as certified providers have it: the client and its exact
 * redirect URI are checked before anything may be redirected (an error page
 * otherwise, never an open redirect); PKCE S256 is required of every client;
 * `state` and `nonce` are handed back unchanged.
 */
import { createHash, randomBytes } from "node:crypto";
import { getClient, type ClientRecord } from "../clients/client-store.js";
import type { Caller } from "../http/caller.js";
import { isOwnAppClient } from "../http/routes.js";
import { config } from "../platform/config.js";
import { ForbiddenError, HttpError, NotFoundError } from "../platform/errors.js";
import { anyConditionFailed, transactWrite, writeIfCondition, writeItem, type TransactItem } from "../platform/transactions.js";
import { logger } from "../platform/logger.js";
import { providerById, requestedProvider, type ProviderConfig } from "../methods/providers/provider-config.js";
import { startProviderTrip } from "../methods/providers/provider-trip.js";
import { getSession } from "../sessions/session-store.js";
import { authenticatedAt } from "../sessions/sessions.js";
import { authorizationRequestFinish, authorizationRequestPut, getAuthorizationRequest, type AuthorizationRequestRecord } from "./authorization-request-store.js";
import { authorizationCodePut, type AuthorizationCodeRecord } from "./code-store.js";
import { requireSingleParameters } from "./input.js";
import { OAuthError, withQuery } from "./oauth-errors.js";
import { parseScope } from "./scopes.js";

/** How long the hosted page has to finish a request (sign-in, second factor included). */
export const REQUEST_TTL_SECONDS = 10 * 60;
/** Bounds on what the request carries through (stored until it finishes). */
const PARAMETER_MAX = 1000;
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** What /oauth2/authorize answers: an error page (the client or redirect URI is wrong), or a redirect. */
export type AuthorizeOutcome = { kind: "error-page"; message: string } | { kind: "redirect"; location: string };

type Query = Record<string, string[] | undefined>;

const single = (query: Query, name: string) => query[name]?.[0];

/**
 * Validates an authorization request (RFC 6749 4.1.1, OpenID Connect Core
 * 3.1.2.1, RFC 7636) and stores it for the hosted page.
 */
export async function startAuthorization(query: Query, now = Date.now()): Promise<AuthorizeOutcome> {
  const clientId = single(query, "client_id");
  const redirectUri = single(query, "redirect_uri");
  if ((query.client_id?.length ?? 0) > 1 || (query.redirect_uri?.length ?? 0) > 1) return errorPage("client_id and redirect_uri must appear once.");
  const client = clientId && clientId.length <= 64 ? await getClient(clientId) : undefined;
  if (!client) return errorPage("The application that sent you here is not registered.");
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
    return errorPage("The application sent you here with a redirect URI that is not registered for it.");
  }
  const state = single(query, "state");
  try {
    const request = parseAuthorizationRequest(query, client, now);
    const requestId = randomBytes(32).toString("base64url");
    await writeItem(authorizationRequestPut(requestId, request));
    // With `provider`, straight to that outside provider; else to the hosted page.
    const location = request.provider
      ? await providerLocation(providerById(request.provider)!, requestId, request, now)
      : `${config.appUrl}/authorize?request=${requestId}`;
    return { kind: "redirect", location };
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    // The redirect URI is the client's own: errors go back to it (RFC 6749 4.1.2.1).
    return { kind: "redirect", location: withQuery(redirectUri, { error: error.code, error_description: error.message, state, iss: config.issuer }) };
  }
}

const errorPage = (message: string): AuthorizeOutcome => ({ kind: "error-page", message });

/** The provider's authorization URL for the request; a provider that cannot be reached is the client's temporarily_unavailable. */
async function providerLocation(provider: ProviderConfig, requestId: string, request: AuthorizationRequestRecord, now: number): Promise<string> {
  try {
    return await startProviderTrip(provider, { requestId }, now, {
      ...(request.loginHint !== undefined && { loginHint: request.loginHint }),
      // The client asked for credentials now: so is the provider (its own session does not count).
      ...(request.prompt && { prompt: request.prompt }),
    });
  } catch (error) {
    logger.warn({ provider: provider.id, errorMessage: (error as Error).message }, "outside provider unreachable");
    return withQuery(request.redirectUri, { error: "temporarily_unavailable", error_description: `${provider.name} cannot be reached`, state: request.state, iss: config.issuer });
  }
}

/** The hosted page's "Continue with <provider>": the same request goes on at the provider. */
export async function continueWithProvider(requestId: string, providerId: string, now = Date.now()): Promise<string> {
  const request = await pendingRequest(requestId, now);
  return providerLocation(requestedProvider(providerId), requestId, request, now);
}

function parseAuthorizationRequest(query: Query, client: ClientRecord, now: number): AuthorizationRequestRecord {
  requireSingleParameters(Object.entries(query).flatMap(([name, values]) => (values ?? []).map(() => name)));
  const value = (name: string) => {
    const found = single(query, name);
    if (found !== undefined && found.length > PARAMETER_MAX) throw new OAuthError("invalid_request", `${name} is too long`);
    return found;
  };
  if (value("request") !== undefined || value("request_uri") !== undefined) throw new OAuthError("invalid_request", "Request objects are not supported");
  const responseType = value("response_type");
  if (responseType === undefined) throw new OAuthError("invalid_request", "response_type is required");
  if (responseType !== "code") throw new OAuthError("unsupported_response_type", "Only response_type=code is supported");
  if (!client.grantTypes.includes("authorization_code")) throw new OAuthError("unauthorized_client", "This client may not use the authorization code flow");
  const responseMode = value("response_mode");
  if (responseMode !== undefined && responseMode !== "query") throw new OAuthError("invalid_request", "Only response_mode=query is supported");
  const scope = parseScope(value("scope"));
  const codeChallenge = value("code_challenge");
  const method = value("code_challenge_method");
  if (codeChallenge === undefined) throw new OAuthError("invalid_request", "code_challenge is required (PKCE, S256)");
  if (method !== "S256") throw new OAuthError("invalid_request", "code_challenge_method must be S256");
  if (!S256_CHALLENGE.test(codeChallenge)) throw new OAuthError("invalid_request", "code_challenge must be a base64url SHA-256 (43 characters)");
  const prompts = (value("prompt") ?? "").split(" ").filter(Boolean);
  // No cookie reaches the API, so it cannot know without the page whether the browser is signed in.
  if (prompts.includes("none")) throw new OAuthError("login_required", "prompt=none is not supported: the user must see the sign-in page");
  const maxAge = value("max_age");
  if (maxAge !== undefined && !/^\d{1,9}$/.test(maxAge)) throw new OAuthError("invalid_request", "max_age must be a number of seconds");
  const provider = value("provider");
  if (provider !== undefined && !providerById(provider)) throw new OAuthError("invalid_request", "Unknown provider");
  const state = value("state");
  const nonce = value("nonce");
  const loginHint = value("login_hint");
  return {
    clientId: client.clientId,
    redirectUri: single(query, "redirect_uri")!,
    scope: scope.join(" "),
    codeChallenge,
    ...(state !== undefined && { state }),
    ...(nonce !== undefined && { nonce }),
    // max_age=0 asks for credentials now, as prompt=login does; a larger one is checked at completion.
    ...((prompts.includes("login") || maxAge === "0") && { prompt: "login" as const }),
    ...(maxAge !== undefined && maxAge !== "0" && { maxAge: Number(maxAge) }),
    ...(loginHint !== undefined && { loginHint }),
    ...(provider !== undefined && { provider }),
    createdAt: now,
    expiresAt: Math.floor(now / 1000) + REQUEST_TTL_SECONDS,
  };
}

/** What the hosted page shows of a request. */
export interface AuthorizationRequestView {
  clientId: string;
  clientName: string;
  scopes: string[];
  prompt?: "login";
  loginHint?: string;
}

/** The request while it waits: 404 when unknown, expired or finished. */
export async function pendingRequest(requestId: string, now: number): Promise<AuthorizationRequestRecord> {
  const request = requestId.length <= 64 ? await getAuthorizationRequest(requestId) : undefined;
  if (!request || request.finishedAt !== undefined || request.expiresAt <= Math.floor(now / 1000)) {
    throw new NotFoundError("This sign-in request is unknown, expired or already finished: start again from the application");
  }
  return request;
}

export async function describeRequest(requestId: string, now = Date.now()): Promise<AuthorizationRequestView> {
  const request = await pendingRequest(requestId, now);
  const client = await getClient(request.clientId);
  if (!client) throw new NotFoundError("The application of this sign-in request no longer exists");
  return {
    clientId: client.clientId,
    clientName: client.name,
    scopes: request.scope.split(" ").filter(Boolean),
    ...(request.prompt && { prompt: request.prompt }),
    ...(request.loginHint !== undefined && { loginHint: request.loginHint }),
  };
}

/**
 * Issues the code for the caller's session and answers where the browser
 * goes. Only a session of the hosted page's app may (hostsThePage): a token
 * another OAuth client holds must not mint codes for other clients. With
 * prompt=login (or an exceeded max_age) the session must have signed in after
 * the request was made: 403 login_required tells the page to ask.
 */
export async function completeRequest(requestId: string, caller: Caller, now = Date.now()): Promise<string> {
  // The hosted page's own sessions only (routes.ts isOwnAppClient, checked by protectedRoute too).
  if (!isOwnAppClient(caller.clientId)) throw new ForbiddenError("Only the hosted sign-in page's own session completes a sign-in request");
  const request = await pendingRequest(requestId, now);
  const session = await getSession(caller.sid);
  if (!session || session.userId !== caller.userId) throw new NotFoundError("The session has ended: sign in again");
  const authMs = authenticatedAt(session);
  const signedInAfterRequest = authMs >= request.createdAt;
  const freshEnough = request.maxAge === undefined || now - authMs <= request.maxAge * 1000;
  if ((request.prompt === "login" && !signedInAfterRequest) || !freshEnough) {
    throw new HttpError(403, "login_required", "This application asks you to sign in again");
  }
  return issueCode(requestId, request, { userId: caller.userId, sid: caller.sid, amr: session.amr, authTime: Math.floor(authMs / 1000) }, now);
}

/** Who the code signs in, and how: the user, the hosted page's session (none after an outside provider), amr and auth_time (epoch s). */
export type CodeGrant = Pick<AuthorizationCodeRecord, "userId" | "sid" | "sessionVersion" | "amr" | "authTime">;

/**
 * Finishes the request with a code for `grant` (with `together`, a sign-in
 * event say, in the same transaction) and answers the client's redirect.
 */
export async function issueCode(requestId: string, request: AuthorizationRequestRecord, grant: CodeGrant, now: number, together: TransactItem[] = []): Promise<string> {
  const code = randomBytes(32).toString("base64url");
  try {
    await transactWrite([
      authorizationRequestFinish(requestId, now),
      authorizationCodePut(code, {
        clientId: request.clientId,
        redirectUri: request.redirectUri,
        scope: request.scope,
        codeChallenge: request.codeChallenge,
        ...(request.nonce !== undefined && { nonce: request.nonce }),
        ...grant,
        createdAt: now,
        expiresAt: Math.floor(now / 1000) + config.authorizationCodeTtlSeconds,
      }),
      ...together,
    ]);
  } catch (error) {
    if (anyConditionFailed(error)) throw new NotFoundError("This sign-in request was finished already");
    throw error;
  }
  return withQuery(request.redirectUri, { code, state: request.state, iss: config.issuer });
}

/** Finishes the request refused: the client hears access_denied, with the reason's code first in the description. */
export async function refuseRequest(requestId: string, request: AuthorizationRequestRecord, reason: string, now: number): Promise<string> {
  if (!(await writeIfCondition(authorizationRequestFinish(requestId, now)))) throw new NotFoundError("This sign-in request was finished already");
  return withQuery(request.redirectUri, { error: "access_denied", error_description: reason, state: request.state, iss: config.issuer });
}

/** The user declined (the page's Cancel): the client hears access_denied. */
export async function cancelRequest(requestId: string, now = Date.now()): Promise<string> {
  return refuseRequest(requestId, await pendingRequest(requestId, now), "The user cancelled the sign-in", now);
}

/** RFC 7636 4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge. */
export const s256 = (verifier: string) => createHash("sha256").update(verifier, "ascii").digest("base64url");
