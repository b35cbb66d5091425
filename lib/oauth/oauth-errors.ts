/**
 * Errors of the OAuth 2.0 endpoints in the forms RFC 6749 (5.2, 4.1.2.1),
 * RFC 7009 and OpenID Connect give them: `error` and `error_description` in
 * the JSON body (with the contract's `code` and `message` beside them), or in
 * the query of a redirect to the client.
 */
import { HttpError, type OAuthErrorCode } from "../platform/errors.js";

export class OAuthError extends HttpError {
  constructor(error: OAuthErrorCode, description: string, statusCode = 400, headers: Record<string, string> = {}) {
    super(statusCode, error, description, { error, error_description: description }, headers);
  }
}

/** 401 invalid_client; with Basic authentication attempted, the challenge RFC 6749 5.2 asks for. */
export const invalidClient = (basic: boolean) =>
  new OAuthError("invalid_client", "Client authentication failed", 401, basic ? { "WWW-Authenticate": 'Basic realm="oauth2"' } : {});

/** `redirectUri` with the parameters added to its query (keeping any query it was registered with). */
export function withQuery(redirectUri: string, parameters: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) url.searchParams.append(name, value);
  return url.toString();
}
