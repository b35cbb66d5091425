/**
 * The Lambda (TOKEN) authorizer in front of every protected route. It answers
 * exactly "Unauthorized" (API Gateway's 401) for anything wrong and never
 * throws anything else (API Gateway turns other errors into 500s).
 *
 * Its answer depends only on the token, never on the route, because API
 * Gateway caches it per token for every route: the policy allows the whole
 * stage and role checks happen in the handlers (lib/http/routes.ts, 403 JSON).
 * A user's token is checked against its session and user; a machine token
 * (client credentials: no session) against its client, which must still be
 * registered. Handlers refuse machine tokens except on the routes that need
 * no user and no role (routes.ts `clientOrUserRoute`).
 */
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context } from "aws-lambda";
import { ServiceUnavailableError } from "../lib/platform/errors.js";
import type { AuthorizerContext } from "../lib/http/caller.js";
import { logLine } from "../lib/platform/log-line.js";
import { checkClient, checkSession } from "../lib/sessions/session-check.js";
import { bearerToken, InvalidAccessTokenError, verifyAccessToken, type AccessTokenClaims, type VerifiedAccessToken } from "../lib/keys/access-tokens.js";
import { verificationKeys } from "../lib/keys/verification-keys.js";

// Start loading the public keys during init, where Lambda gives the extra CPU.
verificationKeys().catch(() => undefined);

class Rejected extends Error {}

/** `arn:aws:execute-api:region:account:api/stage/METHOD/path` -> `.../api/stage/*` */
function wholeStage(methodArn: string): string {
  const [api, stage] = methodArn.split("/");
  return `${api}/${stage}/*`;
}

/**
 * Whether the token's session is live, the user's current roles (not the
 * token's: a role change reaches existing tokens here) and the session's
 * `amr`; "unverified" when the store cannot be read.
 */
async function sessionState(
  claims: AccessTokenClaims,
  requestId: string | undefined,
): Promise<{ session: AuthorizerContext["session"]; roles: readonly string[]; amr: readonly string[] }> {
  try {
    const live = await checkSession(claims.sid, claims.userId);
    if (!live) throw new Rejected("session ended, or account disabled or deleted");
    return { session: "active", roles: live.roles, amr: live.amr };
  } catch (error) {
    if (!(error instanceof ServiceUnavailableError)) throw error;
    // Fail closed without a 500: the handler answers 503 for an unverified session.
    logLine("warn", { requestId, sid: claims.sid }, "authorizer could not read the session store");
    return { session: "unverified", roles: [], amr: [] };
  }
}

/**
 * A machine token (client credentials) lives while its client is registered:
 * one read, as a user's token costs one. "unverified" when the store cannot be read.
 */
async function clientState(clientId: string, requestId: string | undefined): Promise<AuthorizerContext["session"]> {
  try {
    if (!(await checkClient(clientId))) throw new Rejected("client deleted");
    return "active";
  } catch (error) {
    if (!(error instanceof ServiceUnavailableError)) throw error;
    logLine("warn", { requestId, clientId }, "authorizer could not read the client");
    return "unverified";
  }
}

async function contextFor(token: VerifiedAccessToken, requestId: string | undefined): Promise<AuthorizerContext> {
  const scope = token.scope ?? "";
  if (token.kind === "client") {
    const session = await clientState(token.clientId, requestId);
    return { kind: "client", userId: "", clientId: token.clientId, scope, roles: "", sid: "", amr: "", session };
  }
  const { session, roles, amr } = await sessionState(token, requestId);
  return { kind: "user", userId: token.userId, clientId: token.clientId, scope, roles: roles.join(","), sid: token.sid, amr: amr.join(","), session };
}

async function authorize(event: APIGatewayTokenAuthorizerEvent, requestId: string | undefined): Promise<APIGatewayAuthorizerResult> {
  const token = bearerToken(event.authorizationToken);
  if (!token) throw new Rejected("missing or malformed Authorization header");
  const context = await contextFor(verifyAccessToken((await verificationKeys()).byKid, token), requestId);
  return {
    principalId: context.userId || `client:${context.clientId}`,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: wholeStage(event.methodArn) }],
    },
    context: { ...context },
  };
}

export async function handler(event: APIGatewayTokenAuthorizerEvent, context?: Context): Promise<APIGatewayAuthorizerResult> {
  const requestId = context?.awsRequestId;
  try {
    return await authorize(event, requestId);
  } catch (error) {
    if (error instanceof Rejected || error instanceof InvalidAccessTokenError) {
      logLine("info", { requestId, outcome: "unauthorized", reason: error.message }, "authorizer");
    } else {
      // Misconfiguration (no key, access denied): fail closed, tell operators.
      logLine("error", { requestId, errorName: (error as Error)?.name, errorMessage: (error as Error)?.message }, "authorizer failed");
    }
    throw new Error("Unauthorized");
  }
}
