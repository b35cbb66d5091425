/**
 * HTTP plumbing shared by every API handler: a middy stack that parses the
 * JSON body within the size limit (body.ts), checks the caller put there by the
 * authorizer (caller.ts), maps errors to the contract's JSON responses, logs one line per
 * request, and adds CORS and security headers. Handlers only parse, call lib/
 * and shape a response.
 */
import middy, { type MiddlewareObj } from "@middy/core";
import httpCors from "@middy/http-cors";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { clientInfo, type ClientInfo } from "./client-info.js";
import { config } from "../platform/config.js";
import { parseBody, type BodyMode } from "./body.js";
import { callerFrom, clientCallerFrom, type AuthorizerContext, type Caller, type CallerOnDevice, type ClientCaller } from "./caller.js";
import { ForbiddenError, HttpError } from "../platform/errors.js";
import { logger } from "../platform/logger.js";
import { hasAnyRole, type Role } from "../users/roles.js";

export interface ApiRequest<TCaller> {
  event: APIGatewayProxyEvent;
  body: unknown;
  caller: TCaller;
  /** The device behind the request (IP, User-Agent), for sessions and audit events. */
  client: ClientInfo;
}

/**
 * Headers for every response of a JSON API that hands out tokens (OWASP REST
 * Security Cheat Sheet): never cached (RFC 6749 5.1), never framed or sniffed,
 * HTTPS only. Our own constant set rather than @middy/http-security-headers,
 * which cost more per request than the rest of the stack together (see
 * BENCHMARKS.md) and does not set Cache-Control.
 */
const SECURITY_HEADERS = Object.freeze({
  "Cache-Control": "no-store",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
});

export function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}

/**
 * A public document any origin may read and caches may keep for `maxAgeSeconds`
 * (JWK Set, discovery). Its headers win over SECURITY_HEADERS' `no-store` and
 * over the configured CORS origins: response headers are applied last.
 */
export function publicDocument(body: unknown, maxAgeSeconds: number): APIGatewayProxyResult {
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json", "Cache-Control": `public, max-age=${maxAgeSeconds}`, "Access-Control-Allow-Origin": "*" },
    body: JSON.stringify(body),
  };
}

export function noContent(): APIGatewayProxyResult {
  return { statusCode: 204, headers: {}, body: "" };
}

type Request = middy.Request<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>;

/**
 * Adds SECURITY_HEADERS to every response, errors included. It runs last, after
 * http-cors, which copies the response's headers: fewer to copy then.
 */
const securityHeaders = (): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> => {
  const add = async (request: Request) => {
    if (request.response) request.response.headers = Object.assign({ ...SECURITY_HEADERS }, request.response.headers);
  };
  return { after: add, onError: add };
};

/**
 * The RFC 6749 `error` for an error of ours on an /oauth2 route: its code
 * when the RFC names it, else the nearest one the RFC has.
 */
function oauthError(error: HttpError): string {
  if (error.details.error) return String(error.details.error);
  if (error.statusCode === 503) return "temporarily_unavailable";
  return error.statusCode === 401 ? "invalid_token" : "invalid_request";
}

const errorResponse = (style: ErrorStyle): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> => ({
  onError: async (request) => {
    const error = request.error;
    if (error instanceof HttpError) {
      const oauth = style === "oauth" && { error: oauthError(error), error_description: error.message };
      request.response = json(error.statusCode, { message: error.message, code: error.code, ...error.details, ...oauth });
      Object.assign(request.response.headers!, error.headers);
      return;
    }
    // Unexpected: log the detail for operators, tell the client nothing internal.
    logger.error(
      { requestId: request.context?.awsRequestId, errorName: error?.name, errorMessage: error?.message, stack: error?.stack },
      "unhandled error",
    );
    request.response = json(500, {
      message: "Internal server error",
      code: "internal_error",
      ...(style === "oauth" && { error: "server_error", error_description: "Internal server error" }),
    });
  },
});

/** Who called, for the access log: the user, or the client of a machine token. */
const callerIds = (context: Partial<AuthorizerContext> | undefined) =>
  context?.kind === "client" ? { clientId: context.clientId } : { userId: context?.userId };

/** One structured line per request: request id, route, status, outcome, latency. Never the body or headers. */
const accessLog = (): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> => {
  const startedAt = new WeakMap<Request, number>();
  const log = async (request: Request) => {
    const statusCode = request.response?.statusCode ?? 500;
    logger.info(
      {
        requestId: request.context?.awsRequestId,
        route: `${request.event.httpMethod} ${request.event.resource}`,
        statusCode,
        outcome: statusCode < 400 ? "success" : statusCode < 500 ? "rejected" : "failed",
        latencyMs: Date.now() - (startedAt.get(request) ?? Date.now()),
        ...callerIds(request.event.requestContext?.authorizer as Partial<AuthorizerContext> | undefined),
      },
      "request",
    );
  };
  return {
    before: async (request) => void startedAt.set(request, Date.now()),
    after: log,
    onError: log,
  };
};

/** How errors are answered: the contract's `{ message, code }`, and on the /oauth2 routes RFC 6749's `error` and `error_description` too. */
export type ErrorStyle = "api" | "oauth";

interface RouteOptions {
  body: BodyMode;
  errors?: ErrorStyle;
}

function stack<TCaller>(
  options: RouteOptions,
  resolveCaller: (event: APIGatewayProxyEvent) => TCaller,
  handler: (request: ApiRequest<TCaller>) => Promise<APIGatewayProxyResult>,
) {
  // middy runs `after` and `onError` middlewares in the reverse order of use().
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(securityHeaders())
    .use(httpCors({ origins: config.corsOrigins, exposeHeaders: "Retry-After" }))
    .use(accessLog())
    .use(errorResponse(options.errors ?? "api"))
    .handler(async (event) => {
      const caller = resolveCaller(event);
      return handler({ event, caller, client: clientInfo(event), body: parseBody(event, options.body) });
    });
}

/** A route anyone may call. */
export function publicRoute(
  options: RouteOptions,
  handler: (request: ApiRequest<undefined>) => Promise<APIGatewayProxyResult>,
) {
  return stack(options, () => undefined, handler);
}

/** The caller of a protected route with its device (`CallerOnDevice`). */
export const callerOnDevice = ({ caller, client }: ApiRequest<Caller>): CallerOnDevice => ({
  userId: caller.userId,
  sid: caller.sid,
  multiFactor: caller.multiFactor,
  client,
});

/** The API's own app: the JSON routes' tokens, and the web app's (the client that hosts the sign-in page). */
export const isOwnAppClient = (clientId: string) => clientId === config.firstPartyClientId || clientId === config.webClientId;

/**
 * A route behind the authorizer; with `roles`, the caller needs one of them
 * (else 403 forbidden), and when every one of them that the caller holds is in
 * MFA_REQUIRED_ROLES, a multi-factor session (else 403 mfa_required): with
 * `admin` there, an admin needs one on the moderator routes too, a moderator
 * does not. The one place both are decided.
 */
export function protectedRoute(
  options: RouteOptions & { roles?: readonly Role[]; relyingParties?: true },
  handler: (request: ApiRequest<Caller>) => Promise<APIGatewayProxyResult>,
) {
  return stack(
    options,
    (event) => {
      const caller = callerFrom(event);
      // A token an OAuth client holds (a relying party's) reaches only the routes that say so: never one
      // that changes the account, adds a way in or administers, which belong to the API's own app.
      if (!options.relyingParties && !isOwnAppClient(caller.clientId)) {
        throw new ForbiddenError("This route takes tokens of the API's own app only, not of another application");
      }
      if (options.roles && !hasAnyRole(caller.roles, options.roles)) {
        throw new ForbiddenError("You do not have the role this route requires");
      }
      // The roles that let the caller in: when each of them needs a second factor, so does the session.
      const granting = options.roles ? caller.roles.filter((role) => options.roles!.includes(role as Role)) : [];
      if (granting.length > 0 && granting.every((role) => config.mfaRequiredRoles.includes(role)) && !caller.multiFactor) {
        throw new ForbiddenError("This route needs a session signed in with a second factor", "mfa_required");
      }
      return caller;
    },
    handler,
  );
}

/**
 * A route behind the authorizer that needs no user and no role: a user's
 * token or a client's own machine token (client credentials) may call it.
 * Every other protected route answers a machine token 403 (caller.ts).
 */
export function clientOrUserRoute(
  options: RouteOptions,
  handler: (request: ApiRequest<Caller | ClientCaller>) => Promise<APIGatewayProxyResult>,
) {
  // Any client's user token too: this route needs nothing of the user.
  return stack(options, (event) => clientCallerFrom(event) ?? callerFrom(event), handler);
}
