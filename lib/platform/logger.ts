import pino from "pino";
import { REDACTED, REDACTED_KEYS, SERVICE } from "./log-line.js";

/**
 * Structured JSON logs, one object per line (CloudWatch-friendly), level from
 * LOG_LEVEL (default info). pino rather than Powertools: it costs a third per
 * line, which matters on every request (see BENCHMARKS.md).
 *
 * Events are never logged whole: they carry passwords and tokens. Log lines
 * name what happened and to whom (userId). The redaction below is a second
 * line of defence should a secret-bearing object ever be passed in.
 * lib/log-line.ts writes the same shape for the authorizer, without pino.
 */
const options: pino.LoggerOptions = {
  level: (process.env.LOG_LEVEL || "info").toLowerCase(),
  base: { service: SERVICE },
  messageKey: "message",
  // Epoch milliseconds: an ISO string costs a sixth of a request's stack, and CloudWatch stamps each line anyway.
  timestamp: pino.stdTimeFunctions.epochTime,
  formatters: { level: (label) => ({ level: label.toUpperCase() }) },
  redact: { paths: [...REDACTED_KEYS], censor: REDACTED },
};

// Written synchronously, one write per line. pino's default destination
// writes from libuv's thread pool, and Lambda may freeze the process after
// the handler returns and before that write ran: lines arrive late or never.
export const logger = pino(options, pino.destination({ dest: 1, sync: true }));
