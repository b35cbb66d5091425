/**
 * What the authorizer's session check (session-check.ts) reads of each item,
 * and all that its IAM role may read (serverless.yml `dynamodb:Attributes`,
 * proven in test/template): never a password or token hash. Its own module so
 * that the bench's floor fixture can send the same request without loading
 * the signed client.
 */
export const SESSION_CHECK_ATTRIBUTES = {
  session: ["pk", "userId", "expiresAt", "revokedAt", "createdAt", "sessionVersion", "amr"],
  user: ["pk", "roles", "disabled", "sessionsRevokedAt", "sessionVersion"],
} as const;
