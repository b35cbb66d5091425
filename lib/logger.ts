import { Logger } from "@aws-lambda-powertools/logger";

/**
 * Structured JSON logs (level from POWERTOOLS_LOG_LEVEL, default INFO). Events
 * are never logged whole: they carry passwords and tokens. Log lines name what
 * happened and to whom (userId), never a secret.
 */
export const logger = new Logger({ serviceName: "auth-api" });
