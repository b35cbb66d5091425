/**
 * The Lambda (TOKEN) authorizer in front of every protected route. It answers
 * exactly "Unauthorized" (API Gateway's 401) for anything wrong and never
 * throws anything else (API Gateway turns other errors into 500s).
 *
 * Its answer depends only on the token, never on the route, because API
 * Gateway caches it per token for every route: the policy allows the whole
 * stage and role checks happen in the handlers (lib/http/routes.ts, 403 JSON).
 */
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context } from "aws-lambda";
import { ServiceUnavailableError } from "../lib/platform/errors.js";
import type { AuthorizerContext } from "../lib/http/caller.js";
import { logLine } from "../lib/platform/log-line.js";
import { checkSession } from "../lib/sessions/session-check.js";
import { bearerToken, InvalidAccessTokenError, verifyAccessToken, type AccessTokenClaims } from "../lib/keys/access-tokens.js";
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

async function authorize(event: APIGatewayTokenAuthorizerEvent, requestId: string | undefined): Promise<APIGatewayAuthorizerResult> {
  const token = bearerToken(event.authorizationToken);
  if (!token) throw new Rejected("missing or malformed Authorization header");
  const claims = verifyAccessToken((await verificationKeys()).byKid, token);
  const { session, roles, amr } = await sessionState(claims, requestId);
  const context: AuthorizerContext = { userId: claims.userId, roles: roles.join(","), sid: claims.sid, amr: amr.join(","), session };
  return {
    principalId: claims.userId,
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
