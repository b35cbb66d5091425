// API Gateway (REST, proxy integration) events for invoking handlers in process.
import type { APIGatewayProxyEvent, Context } from "aws-lambda";

export function apiEvent(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: "GET",
    resource: "/messages/public",
    path: "/messages/public",
    headers: {},
    multiValueHeaders: {},
    body: null,
    isBase64Encoded: false,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayProxyEvent["requestContext"],
    ...overrides,
  };
}

export const lambdaContext = { functionName: "test", awsRequestId: "req-1" } as Context;
