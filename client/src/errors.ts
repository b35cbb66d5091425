/**
 * Typed errors, one class per status of the contract, so that callers branch
 * on `instanceof` (or `status`), never on message text. Every error the API
 * answers becomes an `AuthApiError`; network failures stay what `fetch`
 * throws (a `TypeError`), since no status exists for them.
 */
import type { ErrorBody } from "./types.js";

export class AuthApiError extends Error {
  /** The HTTP status the API answered. */
  readonly status: number;
  /** The parsed error body (`message`, and e.g. `errors` on 400), when it was JSON. */
  readonly body: ErrorBody | undefined;

  constructor(status: number, message: string, body?: ErrorBody) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.body = body;
  }
}

/** 400: invalid JSON, a missing or invalid field, or an unknown, expired or used one-time token. */
export class BadRequestError extends AuthApiError {
  /** Per-field problems, when the API listed them. */
  get problems(): { field: string; problem: string }[] {
    return this.body?.errors ?? [];
  }
}

/** 401: no or bad access token, wrong credentials, or a refresh token that no longer works. */
export class UnauthorizedError extends AuthApiError {}

/** 403: the token lacks the role the route needs, or signin to a disabled or unverified account. */
export class ForbiddenError extends AuthApiError {}

/** 404: no such user, or no such session of the caller. */
export class NotFoundError extends AuthApiError {}

/** 409: the email or username is taken. */
export class ConflictError extends AuthApiError {}

/** 413: the body is larger than the API accepts. */
export class PayloadTooLargeError extends AuthApiError {}

/** 429: too many failed signins for the account. */
export class TooManyRequestsError extends AuthApiError {
  /** Seconds to wait before trying again (the `Retry-After` header), when the API said. */
  readonly retryAfter: number | undefined;

  constructor(status: number, message: string, body?: ErrorBody, retryAfter?: number) {
    super(status, message, body);
    this.retryAfter = retryAfter;
  }
}

/** 503: the API's database is unreachable or throttling; nothing was changed, retry later. */
export class ServiceUnavailableError extends AuthApiError {}

/**
 * The session this client held no longer works: it was ended elsewhere
 * (signout on another device, "sign out everywhere", a password change or
 * reset, an admin, a detected refresh-token reuse) or it expired, or there
 * was none. Thrown by calls that need a session; `onSessionEnded` listeners
 * hear about the first two cases once.
 */
export class SessionEndedError extends UnauthorizedError {
  constructor(message = "The session has ended; sign in again") {
    super(401, message);
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

async function readErrorBody(response: Response): Promise<ErrorBody | undefined> {
  try {
    const body: unknown = await response.json();
    if (body && typeof body === "object" && typeof (body as ErrorBody).message === "string") return body as ErrorBody;
  } catch {
    // not JSON: the status alone tells what happened
  }
  return undefined;
}

/** `Retry-After` is delay-seconds or an HTTP date (RFC 9110 10.2.3). */
function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
