// esbuild strips types without checking them, and the root tsconfig has no DOM
// types: the web app is type-checked here, against the client library, with its own tsconfig.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("web app", () => {
  it("type-checks against the client library (tsc -p web)", async () => {
    const result = await promisify(execFile)(`${root}node_modules/.bin/tsc`, ["-p", "web"], { cwd: root }).catch(
      (error: { stdout?: string; code?: number }) => ({ stdout: error.stdout ?? "", code: error.code }),
    );
    expect("code" in result ? result.stdout : "").toBe("");
  });
});
