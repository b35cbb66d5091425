/**
 * One log line in the shape lib/logger.ts writes (level, time, service, the
 * fields, message), without pino. Only the authorizer uses it: it runs in
 * front of every protected route and logs at most one line per call, while
 * bundling pino added 2 ms (7%) to its cold start, and loading it 6 ms more to
 * a cold container's first rejection. Everything else logs through logger.ts.
 */
import { writeSync } from "node:fs";

export const SERVICE = "auth-api";

/** Fields whose values never reach a log line, should an object carrying them be passed in. */
export const REDACTED_KEYS = [
  "password",
  "currentPassword",
  "newPassword",
  "passwordHash",
  "accessToken",
  "refreshToken",
  "authorization",
  "body",
  "headers",
] as const;
export const REDACTED = "[redacted]";

// pino's levels and numbers, so that LOG_LEVEL means the same to both.
const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type Level = keyof typeof LEVELS;

const configured = (process.env.LOG_LEVEL || "info").toLowerCase();
const threshold = configured === "silent" ? Infinity : (LEVELS[configured as Level] ?? LEVELS.info);
const redacted = new Set<string>(REDACTED_KEYS);

export function logLine(level: Level, fields: Record<string, unknown>, message: string): void {
  if (LEVELS[level] < threshold) return;
  const line: Record<string, unknown> = { level: level.toUpperCase(), time: Date.now(), service: SERVICE };
  for (const [key, value] of Object.entries(fields)) line[key] = redacted.has(key) ? REDACTED : value;
  line.message = message;
  try {
    // Synchronous, like logger.ts: Lambda may freeze the process right after the call returns.
    writeSync(1, `${JSON.stringify(line)}\n`);
  } catch {
    // A log line that cannot be written must not turn a 401 into a 500.
  }
}
