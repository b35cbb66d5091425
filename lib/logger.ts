import pino from "pino";

/**
 * Structured JSON logs, one object per line (CloudWatch-friendly), level from
 * LOG_LEVEL (default info). pino rather than Powertools: it costs a third per
 * line, which matters on every request (see BENCHMARKS.md).
 *
 * Events are never logged whole: they carry passwords and tokens. Log lines
 * name what happened and to whom (userId). The redaction below is a second
 * line of defence should a secret-bearing object ever be passed in.
 */
export const logger = pino({
  level: (process.env.LOG_LEVEL || "info").toLowerCase(),
  base: { service: "auth-api" },
  messageKey: "message",
  // Epoch milliseconds: an ISO string costs a sixth of a request's stack, and CloudWatch stamps each line anyway.
  timestamp: pino.stdTimeFunctions.epochTime,
  formatters: { level: (label) => ({ level: label.toUpperCase() }) },
  redact: {
    paths: ["password", "currentPassword", "newPassword", "passwordHash", "accessToken", "refreshToken", "authorization", "body", "headers"],
    censor: "[redacted]",
  },
});

export type Logger = typeof logger;
