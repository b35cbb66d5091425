/** The path parameters and form bodies of the /oauth2 routes. */
import { BadRequestError, NotFoundError } from "../platform/errors.js";
import { OAuthError } from "./oauth-errors.js";

const REQUEST_ID = /^[A-Za-z0-9_-]{43}$/;

/** A `{requestId}` that no request could have names nothing: the same 404 as an unknown one. */
export function parseRequestId(id: unknown): string {
  if (typeof id !== "string" || !REQUEST_ID.test(id)) throw new NotFoundError("This sign-in request is unknown, expired or already finished: start again from the application");
  return id;
}

/** The parsed form of the token and revocation endpoints (routes.ts parses with body mode "form"). */
export function formOf(body: unknown): URLSearchParams {
  if (!(body instanceof URLSearchParams)) throw new BadRequestError("Request body must be form-encoded");
  return body;
}

/** Every parameter at most once (RFC 6749 3.1, 3.2): a repeated one is invalid_request. */
export function requireSingleParameters(names: Iterable<string>): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new OAuthError("invalid_request", `${name} must appear at most once`);
    seen.add(name);
  }
}
