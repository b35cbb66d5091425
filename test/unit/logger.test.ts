import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const loggerModule = fileURLToPath(new URL("../../lib/logger.ts", import.meta.url));

/**
 * Runs `code` in a fresh Node process with the real logger at level info,
 * stdout a pipe as in Lambda, and returns what reached stdout.
 */
function runWithLogger(code: string) {
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", `const { logger } = await import(${JSON.stringify(loggerModule)});\n${code}`],
    { env: { ...process.env, LOG_LEVEL: "info", UV_THREADPOOL_SIZE: "1" }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  return { signal: child.signal, lines: child.stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line)) };
}

describe("logger", () => {
  it("has written a line when the call returns: a process killed right after logging still printed it", () => {
    // Lambda may freeze or end the process as soon as the handler returns; a line whose write is
    // still queued is lost. The only thread-pool thread is kept busy, so a queued write cannot slip through.
    const { signal, lines } = runWithLogger(
      `(await import("node:crypto")).pbkdf2("x", "y", 1e8, 64, "sha512", () => {});
       logger.info({ requestId: "r-1" }, "request");
       process.kill(process.pid, "SIGKILL");`,
    );
    expect(signal).toBe("SIGKILL");
    expect(lines).toEqual([expect.objectContaining({ level: "INFO", message: "request", requestId: "r-1", service: "auth-api" })]);
  });

  it("redacts secrets even when an object carrying them is passed in by mistake", () => {
    const { lines } = runWithLogger(
      `logger.warn({ userId: "u-1", password: "hunter2-hunter2", refreshToken: "s.t", authorization: "Bearer x", headers: { a: 1 } }, "oops");`,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ userId: "u-1", password: "[redacted]", refreshToken: "[redacted]", authorization: "[redacted]", headers: "[redacted]" });
    expect(JSON.stringify(lines[0])).not.toMatch(/hunter2|Bearer x/);
  });
});
