// How running functions learn of a rotation: local key files are re-read as soon as they are replaced.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { reloadingKeyDocument } from "../../lib/keys/key-document.js";
import { rotateLocalKeys, localTiming } from "../../scripts/key-files.js";

const dir = mkdtempSync(join(tmpdir(), "auth-keydoc-"));
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe("a local key set document", () => {
  it("is built once per version of the file, and again after rotate-keys replaced it", async () => {
    rotateLocalKeys(dir, localTiming());
    vi.stubEnv("PUBLIC_KEYS_PARAMETER", "");
    vi.stubEnv("PUBLIC_KEYS_FILE", join(dir, "public-keys.json"));
    const build = vi.fn((set: { keys: { kid: string }[] }) => set.keys.map((key) => key.kid));
    const load = reloadingKeyDocument("PUBLIC_KEYS", build);
    const first = await load();
    expect(await load()).toBe(first);
    expect(build).toHaveBeenCalledTimes(1);

    rotateLocalKeys(dir, localTiming());
    const second = await load();
    expect(second).toHaveLength(2);
    expect(second.slice(0, 1)).toEqual(first);
    expect(build).toHaveBeenCalledTimes(2);
  });

  it("keeps the last good set when the file is replaced by something malformed", async () => {
    const load = reloadingKeyDocument("PUBLIC_KEYS", (set) => set.keys.length);
    const good = await load();
    writeFileSync(join(dir, "public-keys.json"), "{ not json");
    expect(await load()).toBe(good);
  });

  it("fails when there is no good set to fall back on", async () => {
    vi.stubEnv("PUBLIC_KEYS_FILE", join(dir, "absent.json"));
    await expect(reloadingKeyDocument("PUBLIC_KEYS", (set) => set)()).rejects.toThrow();
  });
});
