/**
 * Reads a key set document (lib/keys/key-set.ts) from where the stage keeps it, and
 * keeps what it built from it until the document may have changed. Deployed,
 * an SSM parameter named by `<PREFIX>_PARAMETER` (one signed call,
 * lib/platform/parameters.ts, no SDK client), re-read after KEY_SET_RELOAD_SECONDS;
 * locally a file named by `<PREFIX>_FILE` in the data folder of `npm start`,
 * re-read as soon as it was replaced (one stat per call). Re-reading is how
 * running containers learn of a rotation without a redeploy.
 */
import { readFileSync, statSync } from "node:fs";
import { config } from "../platform/config.js";
import { parseKeySet, type KeySet } from "./key-set.js";
import { logLine } from "../platform/log-line.js";
import { readParameter } from "../platform/parameters.js";

export type KeyDocument = "SIGNING_KEYS" | "PUBLIC_KEYS";

async function readDocument(name: KeyDocument): Promise<KeySet> {
  const parameter = process.env[`${name}_PARAMETER`];
  const file = process.env[`${name}_FILE`];
  if (parameter) return parseKeySet(await readParameter(parameter), parameter);
  if (!file) throw new Error(`Set ${name}_PARAMETER (deployed) or ${name}_FILE (local) to find the token keys; see README "Key rotation"`);
  // A few KiB read once per reload interval: synchronously, as there is nothing to overlap it with.
  return parseKeySet(readFileSync(file, "utf8"), file);
}

/** Which copy of a local key file is on disk: `rotate-keys` replaces it (a new inode), never edits it. */
function fileVersion(name: KeyDocument): string | undefined {
  const file = process.env[`${name}_PARAMETER`] ? undefined : process.env[`${name}_FILE`];
  if (!file) return undefined;
  try {
    const { ino, mtimeMs, size } = statSync(file);
    return `${ino}:${mtimeMs}:${size}`;
  } catch {
    return "missing"; // readDocument reports it
  }
}

/**
 * Builds `T` from the document once per version of it. A failed re-read
 * keeps the last good value (and says so in the log): a key set that was valid
 * a moment ago beats failing every request while SSM or the disk hiccups.
 */
export function reloadingKeyDocument<T>(name: KeyDocument, build: (set: KeySet) => T, clock: () => number = Date.now): () => Promise<T> {
  let current: { value: T; loadedAt: number; version?: string } | undefined;
  let loading: Promise<T> | undefined;
  return () => {
    const now = clock();
    const version = fileVersion(name);
    const fresh = version === undefined ? now - (current?.loadedAt ?? -Infinity) < config.keySetReloadSeconds * 1000 : version === current?.version;
    if (current && fresh) return Promise.resolve(current.value);
    loading ??= readDocument(name)
      .then((set) => {
        current = { value: build(set), loadedAt: now, version };
        return current.value;
      })
      .catch((error: unknown) => {
        if (!current) throw error; // nothing to fall back on: the next call retries
        logLine("warn", { document: name, errorName: (error as Error)?.name, errorMessage: (error as Error)?.message }, "kept the last key set: re-read failed");
        // Retry after another interval (or once the file changes again), not on every request.
        current.loadedAt = now;
        current.version = version;
        return current.value;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };
}
