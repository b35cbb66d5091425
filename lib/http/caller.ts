/**
 * Who is calling a protected route, as the Lambda authorizer verified it and
 * passed it in `requestContext.authorizer`. Handlers read the caller from
 * here, never from the token again.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { ServiceUnavailableError, UnauthorizedError } from "../platform/errors.js";
import type { ClientInfo } from "./client-info.js";

export interface Caller {
  userId: string;
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

/** What the authorizer puts in `requestContext.authorizer` (values must be strings there). */
export interface AuthorizerContext {
  userId: string;
  roles: string;
  sid: string;
  /** The session's `amr`, comma-separated (from the session item the authorizer reads anyway). */
  amr: string;
  /** "active", or "unverified" when the session store could not be read (answered with 503). */
  session: "active" | "unverified";
}

/** Reads the caller from the authorizer's context; throws when it is missing or the session is unverified. */
export function callerFrom(event: Pick<APIGatewayProxyEvent, "requestContext">): Caller {
  const context = event.requestContext?.authorizer as Partial<AuthorizerContext> | null | undefined;
  if (!context?.userId || !context.sid || typeof context.roles !== "string") throw new UnauthorizedError();
  // The authorizer could not reach the session store: we cannot tell whether the session was ended.
  if (context.session !== "active") throw new ServiceUnavailableError();
  // Sessions from before `amr` was passed on were all password sessions.
  const amr = context.amr ? context.amr.split(",") : ["pwd"];
  return { userId: context.userId, sid: context.sid, roles: context.roles ? context.roles.split(",") : [], amr, multiFactor: amr.includes("mfa") };
}
