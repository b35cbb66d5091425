import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const moduleUrl = (file: string) => JSON.stringify(fileURLToPath(new URL(`../../lib/${file}`, import.meta.url)));

/**
 * Runs `code` in a fresh Node process where `logger` (lib/platform/logger.ts) and
 * `logLine` (lib/platform/log-line.ts) are in scope, stdout a pipe as in Lambda, and
 * returns the JSON lines that reached stdout.
 */
function run(code: string, logLevel = "info") {
  const prelude = `const { logger } = await import(${moduleUrl("platform/logger.ts")}); const { logLine } = await import(${moduleUrl("platform/log-line.ts")});`;
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `${prelude}\n${code}`], {
    env: { ...process.env, LOG_LEVEL: logLevel, UV_THREADPOOL_SIZE: "1" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { status: child.status, signal: child.signal, lines: child.stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line)) };
}

// Lambda may freeze or end the process as soon as the handler returns; a line whose write is
// still queued is lost. The only thread-pool thread is kept busy, so a queued write cannot slip through.
const busyThreadPool = `(await import("node:crypto")).pbkdf2("x", "y", 1e8, 64, "sha512", () => {});`;
const secrets = { password: "hunter2-hunter2", refreshToken: "s.t", authorization: "Bearer x", headers: { a: 1 } };

describe("logger", () => {
  it("has written a line when the call returns: a process killed right after logging still printed it", () => {
    const { signal, lines } = run(`${busyThreadPool} logger.info({ requestId: "r-1" }, "request"); process.kill(process.pid, "SIGKILL");`);
    expect(signal).toBe("SIGKILL");
    expect(lines).toEqual([expect.objectContaining({ level: "INFO", message: "request", requestId: "r-1", service: "auth-api" })]);
  });

  it("redacts secrets even when an object carrying them is passed in by mistake", () => {
    const { lines } = run(`logger.warn({ userId: "u-1", ...${JSON.stringify(secrets)} }, "oops");`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ userId: "u-1", password: "[redacted]", refreshToken: "[redacted]", authorization: "[redacted]", headers: "[redacted]" });
    expect(JSON.stringify(lines[0])).not.toMatch(/hunter2|Bearer x/);
  });
});

describe("the authorizer's log line", () => {
  it("has the logger's shape, field for field", () => {
    const { lines } = run(`
      logger.warn({ requestId: "r-1", sid: "s-1", ...${JSON.stringify(secrets)} }, "authorizer");
      logLine("warn", { requestId: "r-1", sid: "s-1", ...${JSON.stringify(secrets)} }, "authorizer");`);
    expect(lines).toHaveLength(2);
    const [fromLogger, fromLogLine] = lines.map(({ time, ...rest }) => {
      expect(time).toBeTypeOf("number");
      return rest;
    });
    expect(fromLogLine).toEqual(fromLogger);
    expect(Object.keys(fromLogLine)).toEqual(Object.keys(fromLogger));
  });

  it("is written before the call returns", () => {
    const { signal, lines } = run(`${busyThreadPool} logLine("info", { outcome: "unauthorized" }, "authorizer"); process.kill(process.pid, "SIGKILL");`);
    expect(signal).toBe("SIGKILL");
    expect(lines).toEqual([expect.objectContaining({ level: "INFO", outcome: "unauthorized", message: "authorizer" })]);
  });

  it("follows LOG_LEVEL", () => {
    const { lines } = run(`logLine("info", {}, "hidden"); logLine("warn", {}, "shown"); logLine("error", {}, "shown");`, "warn");
    expect(lines.map((line) => line.message)).toEqual(["shown", "shown"]);
    expect(run(`logLine("error", {}, "hidden");`, "silent").lines).toEqual([]);
  });

  it("never throws, even when stdout is gone or a field cannot be serialized", () => {
    const { status } = run(`
      const circular = {}; circular.self = circular;
      logLine("error", { circular }, "unserializable");
      (await import("node:fs")).closeSync(1);
      logLine("error", {}, "nowhere to go");
      process.exitCode = 7;`);
    expect(status).toBe(7);
  });
});
