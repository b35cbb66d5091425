/**
 * Typed errors, one class per status of the contract, each with the API's
 * stable `code`: callers branch on `code` (or on `instanceof` and `status`),
 * never on message text, which is for people and may change.
 *
 *   try {
 *     await auth.signIn({ email, password });
 *   } catch (error) {
 *     if (error instanceof AuthApiError && error.code === "email_not_verified") showResendLink();
 *     else throw error;
 *   }
 *
 * Every error the API answers becomes an `AuthApiError`; a request that got
 * no answer at all (the network, or a CORS refusal) a `NetworkError`.
 */
import type { ErrorBody, ErrorCodeFor, KnownErrorCode } from "./types.js";

/**
 * A machine-readable error code: one of those openapi.yaml lists, or one the
 * API adds later (typed `string & {}`, so that editors still offer the known
 * ones). Treat a code you do not know by the status.
 */
export type ErrorCode = KnownErrorCode | (string & {});

/**
 * The code of an error answer that carries none (not JSON, or not from this
 * API: a proxy, a load balancer): the generic code of its status, as API
 * Gateway's own answers use them.
 */
export function fallbackErrorCode(status: number): KnownErrorCode {
  switch (status) {
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 413:
      return "payload_too_large";
    case 415:
      return "unsupported_media_type";
    case 429:
      return "too_many_requests";
    case 503:
      return "service_unavailable";
    default:
      return status >= 500 ? "internal_error" : "invalid_request";
  }
}

export class AuthApiError extends Error {
  /** The HTTP status the API answered. */
  readonly status: number;
  /**
   * What went wrong, for programs: the body's `code` (stable, snake_case), or
   * for an answer without one the generic code of its status (`unauthorized`,
   * `internal_error`, ...). Branch on this, never on `message`.
   */
  readonly code: ErrorCode;
  /** The parsed error body (`message`, `code`, and e.g. `errors` on 400), when it was JSON. */
  readonly body: ErrorBody | undefined;

  constructor(status: number, message: string, body?: ErrorBody) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = typeof body?.code === "string" && body.code !== "" ? body.code : fallbackErrorCode(status);
    this.body = body;
  }
}

/**
 * 400. `invalid_request`: a missing or invalid field (see `problems`) or query
 * parameter; `invalid_json`: the body is not JSON; `invalid_token`: a reset or
 * verification token that is unknown, expired or used.
 */
export class BadRequestError extends AuthApiError {
  declare readonly code: ErrorCodeFor<400> | (string & {});

  /** Per-field problems, when the API listed them. */
  get problems(): { field: string; problem: string }[] {
    return this.body?.errors ?? [];
  }
}

/**
 * 401. `unauthorized`: no or bad access token; `invalid_credentials`: wrong
 * email, username or password at signin; `wrong_password`: a wrong current
 * password; `invalid_refresh_token`: a refresh token that no longer works;
 * `invalid_mfa_code`: a wrong TOTP or recovery code; `mfa_token_invalid`: the
 * second step of a signin whose `mfaToken` expired, was used or had too many
 * wrong codes (sign in again); `invalid_passkey`: a passkey assertion that
 * does not verify (ask the browser again, with new options).
 */
export class UnauthorizedError extends AuthApiError {
  declare readonly code: ErrorCodeFor<401> | (string & {});
}

/**
 * 403. `forbidden`: the token lacks the role the route needs; at signin with
 * the right password, `account_disabled` or `email_not_verified`;
 * `mfa_required`: the route needs a multi-factor session (sign in with the
 * second factor). Signin's own `mfa_required` is no error: `signIn` answers it
 * as `{ status: "mfa-required" }`.
 */
export class ForbiddenError extends AuthApiError {
  declare readonly code: ErrorCodeFor<403> | (string & {});
}

/** 404 `not_found`: no such user, or no such session or passkey of the caller. */
export class NotFoundError extends AuthApiError {
  declare readonly code: ErrorCodeFor<404> | (string & {});
}

/**
 * 409. `email_taken` or `username_taken` at signup; `self_protection`: an
 * admin removing their own admin role, disabling or deleting themselves;
 * `mfa_already_enabled`: enrolling TOTP while it is on; `no_pending_enrollment`:
 * confirming TOTP without an enrollment; `already_registered`: a passkey
 * already stored; `last_sign_in_method`: removing the user's only way to sign in.
 */
export class ConflictError extends AuthApiError {
  declare readonly code: ErrorCodeFor<409> | (string & {});
}

/** 413 `payload_too_large`: the body is larger than the API accepts. */
export class PayloadTooLargeError extends AuthApiError {
  declare readonly code: ErrorCodeFor<413> | (string & {});
}

/**
 * 429. `too_many_attempts`: too many failed signins (or wrong current
 * passwords or second-factor codes) for the account, locked for `retryAfter` seconds;
 * `too_many_requests`: the API's throttling.
 */
export class TooManyRequestsError extends AuthApiError {
  declare readonly code: ErrorCodeFor<429> | (string & {});
  /** Seconds to wait before trying again (the `Retry-After` header), when the API said. */
  readonly retryAfter: number | undefined;

  constructor(status: number, message: string, body?: ErrorBody, retryAfter?: number) {
    super(status, message, body);
    this.retryAfter = retryAfter;
  }
}

/** 503 `service_unavailable`: the API's database is unreachable or throttling; nothing was changed, retry later. */
export class ServiceUnavailableError extends AuthApiError {
  declare readonly code: ErrorCodeFor<503> | (string & {});
}

/**
 * The session this client held no longer works: it was ended elsewhere
 * (signout on another device, "sign out everywhere", a password change or
 * reset, an admin, a detected refresh-token reuse) or it expired, or there
 * was none. Thrown by calls that need a session; `onSessionEnded` listeners
 * hear about the first two cases once. `code` is the API's when it refused a
 * refresh (`invalid_refresh_token`), `unauthorized` otherwise.
 */
export class SessionEndedError extends UnauthorizedError {
  /** `refusal`: the body of the API's answer that ended the session, when there was one. */
  constructor(message = "The session has ended; sign in again", refusal?: ErrorBody) {
    super(401, message, refusal);
  }
}

/**
 * `code` `network_error`, `status` 0: `fetch` got no answer. Offline, a
 * wrong `baseUrl`, an API that is down, or, in a browser, an API that does
 * not allow this page's origin (its `CORS_ORIGINS`): browsers report each of
 * these to the page the same way ("Failed to fetch"), so the message names
 * the URL and the likely causes. Nothing is known to have reached the API;
 * the stored session is kept. `cause` is what `fetch` threw.
 */
export class NetworkError extends AuthApiError {
  override readonly code = "network_error";
  /** The URL that could not be fetched. */
  readonly url: string;

  constructor(message: string, url: string, cause?: unknown) {
    super(0, message);
    this.url = url;
    this.cause = cause;
  }
}

const BY_STATUS: Record<number, new (status: number, message: string, body?: ErrorBody) => AuthApiError> = {
  400: BadRequestError,
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  503: ServiceUnavailableError,
};

/**
 * A redirect signin that ended without tokens before the token request, or
 * whose answer does not belong to it. `code` is the provider's `error` at
 * the redirect URI (RFC 6749 4.1.2.1: `access_denied` when the user
 * cancelled, `login_required`, `invalid_request`, ...; the message is its
 * `error_description`), or the client's own finding: `invalid_state` (no
 * signin of this client is waiting for this answer: a reload of the
 * callback, another tab's, or a forged one), `invalid_response` (neither a
 * code nor an error), `invalid_id_token` (the ID token is not for this
 * client and this signin: issuer, audience, nonce, expiry, subject).
 * Failures of the code exchange itself are `AuthApiError`s of the token
 * endpoint (`invalid_grant`, ...).
 */
export class AuthorizationError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The typed error for a non-2xx response (reads its body). */
export async function errorFromResponse(response: Response): Promise<AuthApiError> {
  const body = await readErrorBody(response);
  const message = body?.message ?? (response.statusText || `HTTP ${response.status}`);
  if (response.status === 429) {
    return new TooManyRequestsError(429, message, body, retryAfterSeconds(response.headers.get("retry-after")) ?? body?.retryAfter);
  }
  const ErrorClass = BY_STATUS[response.status] ?? AuthApiError;
  return new ErrorClass(response.status, message, body);
}

/**
 * The JSON error body; one without a `code` (not from this API) gets its
 * status's generic code. An RFC 6749 body (`error`, `error_description`)
 * without `message` and `code` is read as one.
 */
async function readErrorBody(response: Response): Promise<ErrorBody | undefined> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return undefined; // not JSON: the status alone tells what happened
  }
  if (!body || typeof body !== "object") return undefined;
  const { message, code, error, error_description: description } = body as Partial<ErrorBody> & { error?: unknown; error_description?: unknown };
  const text = typeof message === "string" ? message : typeof description === "string" ? description : typeof error === "string" ? error : undefined;
  if (text === undefined) return undefined;
  const named = typeof code === "string" && code !== "" ? code : typeof error === "string" && error !== "" ? error : fallbackErrorCode(response.status);
  return { ...(body as ErrorBody), message: text, code: named };
}

/** `Retry-After` is delay-seconds or an HTTP date (RFC 9110 10.2.3). */
function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
