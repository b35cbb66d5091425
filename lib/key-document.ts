/**
 * Reads a key set document (lib/key-set.ts) from where the stage keeps it, and
 * keeps what it built from it for KEY_SET_RELOAD_SECONDS: deployed, an SSM
 * parameter named by `<PREFIX>_PARAMETER` (one signed call, lib/parameters.ts,
 * no SDK client); locally a file named by `<PREFIX>_FILE` in the data folder
 * of `npm start`. Re-reading after the interval is how running containers
 * learn of a rotation without a redeploy.
 */
import { readFileSync } from "node:fs";
import { config } from "./config.js";
import { parseKeySet, type KeySet } from "./key-set.js";
import { logLine } from "./log-line.js";
import { readParameter } from "./parameters.js";

export type KeyDocument = "SIGNING_KEYS" | "PUBLIC_KEYS";

async function readDocument(name: KeyDocument): Promise<KeySet> {
  const parameter = process.env[`${name}_PARAMETER`];
  const file = process.env[`${name}_FILE`];
  if (parameter) return parseKeySet(await readParameter(parameter), parameter);
  if (!file) throw new Error(`Set ${name}_PARAMETER (deployed) or ${name}_FILE (local) to find the token keys; see README "Key rotation"`);
  // A few KiB read once per reload interval: synchronously, as there is nothing to overlap it with.
  return parseKeySet(readFileSync(file, "utf8"), file);
}

/**
 * Builds `T` from the document once per reload interval. A failed re-read
 * keeps the last good value (and says so in the log): a key set that was valid
 * a moment ago beats failing every request while SSM or the disk hiccups.
 */
export function reloadingKeyDocument<T>(name: KeyDocument, build: (set: KeySet) => T, clock: () => number = Date.now): () => Promise<T> {
  let current: { value: T; loadedAt: number } | undefined;
  let loading: Promise<T> | undefined;
  return () => {
    const now = clock();
    if (current && now - current.loadedAt < config.keySetReloadSeconds * 1000) return Promise.resolve(current.value);
    loading ??= readDocument(name)
      .then((set) => {
        current = { value: build(set), loadedAt: now };
        return current.value;
      })
      .catch((error: unknown) => {
        if (!current) throw error; // nothing to fall back on: the next call retries
        logLine("warn", { document: name, errorName: (error as Error)?.name, errorMessage: (error as Error)?.message }, "kept the last key set: re-read failed");
        current.loadedAt = now; // retry after another interval, not on every request
        return current.value;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };
}
