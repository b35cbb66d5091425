/**
 * The API's error classes, one per status code of the contract, each with a
 * stable machine-readable `code` (snake_case) that clients branch on; the
 * `message` is for people. Handlers and lib modules throw these; the error
 * middleware (routes.ts) is the only place that turns them into responses.
 * Anything else becomes a generic 500.
 */

/** The codes this API answers (CONTRACT.md, Errors), and the ones API Gateway itself answers. */
export type ErrorCode =
  | "invalid_request"
  | "invalid_json"
  | "invalid_token"
  | "unauthorized"
  | "invalid_credentials"
  | "wrong_password"
  | "invalid_refresh_token"
  | "invalid_mfa_code"
  | "mfa_token_invalid"
  | "invalid_passkey"
  | "forbidden"
  | "mfa_required"
  | "account_disabled"
  | "email_not_verified"
  | "not_found"
  | "email_taken"
  | "username_taken"
  | "self_protection"
  | "mfa_already_enabled"
  | "no_pending_enrollment"
  | "already_registered"
  | "last_sign_in_method"
  | "payload_too_large"
  | "unsupported_media_type"
  | "too_many_attempts"
  | "too_many_requests"
  | "service_unavailable"
  | "internal_error"
  | "client_taken"
  | OAuthErrorCode;

/** RFC 6749 and OpenID Connect's codes, answered by the /oauth2 routes (oauth/oauth-errors.ts). */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "invalid_scope"
  | "access_denied"
  | "login_required";

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldProblem {
  field: string;
  problem: string;
}

export class BadRequestError extends HttpError {
  constructor(message: string, errors?: FieldProblem[], code: "invalid_request" | "invalid_json" | "invalid_token" = "invalid_request") {
    super(400, code, message, errors ? { errors } : {});
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = "Unauthorized", code: "unauthorized" | "invalid_credentials" | "wrong_password" | "invalid_refresh_token" | "invalid_mfa_code" | "mfa_token_invalid" | "invalid_passkey" = "unauthorized") {
    super(401, code, message);
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = "Forbidden", code: "forbidden" | "account_disabled" | "email_not_verified" | "mfa_required" = "forbidden") {
    super(403, code, message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message = "Not found") {
    super(404, "not_found", message);
  }
}

export class ConflictError extends HttpError {
  constructor(message: string, code: "email_taken" | "username_taken" | "self_protection" | "mfa_already_enabled" | "no_pending_enrollment" | "already_registered" | "last_sign_in_method") {
    super(409, code, message);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limitBytes: number) {
    super(413, "payload_too_large", `Request body is larger than ${limitBytes} bytes`);
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(mediaType = "application/json") {
    super(415, "unsupported_media_type", `Request body must be ${mediaType === "application/json" ? "JSON" : "form-encoded"} (Content-Type: ${mediaType})`);
  }
}

export class TooManyRequestsError extends HttpError {
  constructor(message: string, retryAfterSeconds: number) {
    super(429, "too_many_attempts", message, { retryAfter: retryAfterSeconds }, { "Retry-After": String(retryAfterSeconds) });
  }
}

/** The database is unreachable or throttling: the request changed nothing and may be retried. */
export class ServiceUnavailableError extends HttpError {
  constructor() {
    super(503, "service_unavailable", "Service temporarily unavailable, please retry", {}, { "Retry-After": "1" });
  }
}
