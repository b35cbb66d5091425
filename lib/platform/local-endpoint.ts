/**
 * SDK client options for a local stand-in of an AWS service (DynamoDB Local,
 * the local SES engine, serverless offline's Lambda port): its URL, and
 * placeholder credentials, since none of them checks a signature's key.
 * Deployed, the endpoint is unset and the SDK finds the region and the
 * function role's credentials itself.
 */
export function localEndpoint(endpoint: string | undefined) {
  if (!endpoint) return {};
  return {
    endpoint,
    region: process.env.AWS_REGION || "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  };
}
