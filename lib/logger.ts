import { Logger } from "@aws-lambda-powertools/logger";

/**
 * Structured JSON logs (CloudWatch-friendly). Events are never logged whole:
 * they carry passwords and tokens. Log lines name what happened and to whom
 * (userId), never a secret.
 */
export const logger = new Logger({ serviceName: "auth-api", logLevel: process.env.LOG_LEVEL === "DEBUG" ? "DEBUG" : "INFO" });
