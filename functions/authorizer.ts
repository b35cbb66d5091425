/**
 * The Lambda (TOKEN) authorizer in front of every protected route. It answers
 * exactly "Unauthorized" (API Gateway's 401) for anything wrong and never
 * throws anything else (API Gateway turns other errors into 500s).
 *
 * Its answer depends only on the token, never on the route, because API
 * Gateway caches it per token for every route: the policy allows the whole
 * stage and role checks happen in the handlers (lib/http.ts, 403 JSON).
 */
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from "aws-lambda";
import { ServiceUnavailableError } from "../lib/errors.js";
import type { AuthorizerContext } from "../lib/http.js";
import { logger } from "../lib/logger.js";
import { signingKey } from "../lib/signing-key.js";
import { isSessionActive } from "../lib/store.js";
import { bearerToken, verifyAccessToken } from "../lib/tokens.js";

// Start loading the key during init, where Lambda gives the extra CPU.
signingKey().catch(() => undefined);

/** `arn:aws:execute-api:region:account:api/stage/METHOD/path` -> `.../api/stage/*` */
function wholeStage(methodArn: string): string {
  const [api, stage] = methodArn.split("/");
  return `${api}/${stage}/*`;
}

function unauthorized(reason: string): never {
  logger.info("authorizer", { outcome: "unauthorized", reason });
  throw new Error("Unauthorized");
}

export async function handler(event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const token = bearerToken(event.authorizationToken);
  if (!token) unauthorized("missing or malformed Authorization header");

  let claims;
  try {
    claims = verifyAccessToken(await signingKey(), token);
  } catch (error) {
    if (error instanceof Error && error.name === "InvalidAccessTokenError") unauthorized(error.message);
    logger.error("authorizer could not verify", { errorName: (error as Error)?.name, errorMessage: (error as Error)?.message });
    unauthorized("verification failed");
  }

  let session: AuthorizerContext["session"] = "active";
  try {
    if (!(await isSessionActive(claims.sid))) unauthorized("session ended");
  } catch (error) {
    if (!(error instanceof ServiceUnavailableError)) throw error;
    // Fail closed without a 500: the handler answers 503 for an unverified session.
    logger.warn("authorizer could not read the session store", { sid: claims.sid });
    session = "unverified";
  }

  const context: AuthorizerContext = { userId: claims.userId, roles: claims.roles.join(","), sid: claims.sid, session };
  logger.info("authorizer", { outcome: "allow", userId: claims.userId, session });
  return {
    principalId: claims.userId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: wholeStage(event.methodArn) }],
    },
    context: { ...context },
  };
}
