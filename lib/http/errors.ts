/**
 * The API's error classes, one per status code of the contract. Handlers and
 * lib modules throw these; the error middleware in http.ts is the only place
 * that turns them into responses. Anything else becomes a generic 500.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
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
  constructor(message: string, errors?: FieldProblem[]) {
    super(400, message, errors ? { errors } : {});
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = "Unauthorized") {
    super(401, message);
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = "Forbidden") {
    super(403, message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message = "Not found") {
    super(404, message);
  }
}

export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, message);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limitBytes: number) {
    super(413, `Request body is larger than ${limitBytes} bytes`);
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor() {
    super(415, "Request body must be JSON (Content-Type: application/json)");
  }
}

export class TooManyRequestsError extends HttpError {
  constructor(message: string, retryAfterSeconds: number) {
    super(429, message, { retryAfter: retryAfterSeconds }, { "Retry-After": String(retryAfterSeconds) });
  }
}

/** The database is unreachable or throttling: the request changed nothing and may be retried. */
export class ServiceUnavailableError extends HttpError {
  constructor() {
    super(503, "Service temporarily unavailable, please retry", {}, { "Retry-After": "1" });
  }
}
