/**
 * Who is calling a protected route, as the Lambda authorizer verified it and
 * passed it in `requestContext.authorizer`. Handlers read the caller from
 * here, never from the token again.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { config } from "../platform/config.js";
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from "../platform/errors.js";
import type { ClientInfo } from "./client-info.js";

export interface Caller {
  userId: string;
  /** The OAuth client the token was issued to (the first-party client for the JSON routes). */
  clientId: string;
  /** The token's scope; empty for tokens of the JSON routes. */
  scope: string[];
  roles: string[];
  sid: string;
  /** How the session was established (RFC 8176), as the session item says. */
  amr: string[];
  /** Two factors established the session (`amr` has `mfa`). */
  multiFactor: boolean;
}

/** The caller and the device it calls from: what flows take that check the session again or record an event. */
export interface CallerOnDevice extends Pick<Caller, "userId" | "sid" | "multiFactor"> {
  client: ClientInfo;
}

/** A client calling for itself with a machine token (client credentials): no user, no session, no roles. */
export interface ClientCaller {
  clientId: string;
  scope: string[];
}

/** What the authorizer puts in `requestContext.authorizer` (values must be strings there). */
export interface AuthorizerContext {
  /** Empty for a machine token. */
  userId: string;
  /** The OAuth client the token was issued to. */
  clientId: string;
  /** The token's scope (space-separated), empty when it has none. */
  scope: string;
  /** "user" (a session's token) or "client" (a machine token). */
  kind: "user" | "client";
  roles: string;
  sid: string;
  /** The session's `amr`, comma-separated (from the session item the authorizer reads anyway). */
  amr: string;
  /** "active", or "unverified" when the session store could not be read (answered with 503). */
  session: "active" | "unverified";
}

const contextOf = (event: Pick<APIGatewayProxyEvent, "requestContext">) =>
  event.requestContext?.authorizer as Partial<AuthorizerContext> | null | undefined;

const scopeOf = (context: Partial<AuthorizerContext>) => (context.scope ? context.scope.split(" ") : []);

/** The machine caller when the token is a client's own (client credentials); undefined for a user's token. */
export function clientCallerFrom(event: Pick<APIGatewayProxyEvent, "requestContext">): ClientCaller | undefined {
  const context = contextOf(event);
  if (context?.kind !== "client" || !context.clientId) return undefined;
  if (context.session !== "active") throw new ServiceUnavailableError();
  return { clientId: context.clientId, scope: scopeOf(context) };
}

/**
 * Reads the caller from the authorizer's context; throws when it is missing
 * or the session is unverified, and 403 for a machine token: a route that
 * needs a user gets one.
 */
export function callerFrom(event: Pick<APIGatewayProxyEvent, "requestContext">): Caller {
  const context = contextOf(event);
  if (context?.kind === "client") throw new ForbiddenError("This route needs a signed-in user, not a client");
  if (!context?.userId || !context.sid || typeof context.roles !== "string") throw new UnauthorizedError();
  // The authorizer could not reach the session store: we cannot tell whether the session was ended.
  if (context.session !== "active") throw new ServiceUnavailableError();
  // Sessions from before `amr` was passed on were all password sessions.
  const amr = context.amr ? context.amr.split(",") : ["pwd"];
  return {
    userId: context.userId,
    clientId: context.clientId || config.firstPartyClientId,
    scope: scopeOf(context),
    sid: context.sid,
    roles: context.roles ? context.roles.split(",") : [],
    amr,
    multiFactor: amr.includes("mfa"),
  };
}
