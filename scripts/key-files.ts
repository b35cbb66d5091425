// The local key sets in the data folder of `npm start` (AUTH_DATA_DIR, default
// .data): `signing-keys.json` (private, mode 0600) for the functions that issue
// tokens and `public-keys.json` for the authorizer and the JWK Set. Shared by
// `npm start` (first key on first start), `npm run rotate-keys`, the tests'
// global setup and the benchmarks.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  parseKeySet,
  rotate,
  rotationTiming,
  type KeySet,
  type KeyTimingSettings,
  type RotationResult,
  type RotationTiming,
} from "../lib/keys/key-set.js";

export const SIGNING_KEYS_FILENAME = "signing-keys.json";
export const PUBLIC_KEYS_FILENAME = "public-keys.json";

/**
 * Local timing, short enough to watch a rotation happen. The functions see a
 * replaced key file at their next call (they compare the file's identity), so
 * there is no reload interval; the JWK Set may be cached 30 s, which is also
 * the cooldown of jose's remote JWK Set (it refetches for an unknown `kid` at
 * most that often); and no verifier outside this machine caches the local keys
 * (no API Gateway JWT authorizer points at localhost), so the verifier key
 * cache is 0 here, where a deployed stage counts 2 hours (lib/keys/key-set.ts
 * `DEPLOYED_KEY_TIMING`). A new key thus waits 0 + 30 + 0 + 1 = 31 s before it
 * signs. `npm start` passes the max-age to the functions; `npm run rotate-keys`
 * uses the same (override both with the same environment variables, e.g.
 * VERIFIER_KEY_CACHE_SECONDS when a verifier with a longer cache reads the
 * local JWK Set).
 */
export const LOCAL_KEY_SET_RELOAD_SECONDS = 0;
export const LOCAL_JWKS_MAX_AGE_SECONDS = 30;
export const LOCAL_VERIFIER_KEY_CACHE_SECONDS = 0;
export const LOCAL_CLOCK_SKEW_SECONDS = 1;

export interface KeyFiles {
  signingKeysFile: string;
  publicKeysFile: string;
}

export function keyFiles(dataDir: string): KeyFiles {
  return { signingKeysFile: join(dataDir, SIGNING_KEYS_FILENAME), publicKeysFile: join(dataDir, PUBLIC_KEYS_FILENAME) };
}

const readSet = (file: string): KeySet => (existsSync(file) ? parseKeySet(readFileSync(file, "utf8"), file) : { keys: [] });

/** Replaces a file in one step: a function reading it mid-write sees the old set or the new one, never half. */
function writeAtomically(file: string, set: KeySet<unknown>, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(set, null, 2)}\n`, { mode });
  renameSync(temporary, file);
}

/** One rotation step on the local files: the public set is written first, so a key is published before any signer can see it. */
export function rotateLocalKeys(dataDir: string, timing: RotationTiming, now = Math.floor(Date.now() / 1000)): RotationResult {
  mkdirSync(dataDir, { recursive: true });
  const files = keyFiles(dataDir);
  const result = rotate(readSet(files.signingKeysFile), readSet(files.publicKeysFile), now, timing);
  writeAtomically(files.publicKeysFile, result.publicSet, 0o644);
  writeAtomically(files.signingKeysFile, result.privateSet, 0o600);
  return result;
}

/** The first key of a new data folder (active at once); leaves existing keys alone. */
export function ensureLocalKeys(dataDir: string): KeyFiles {
  const files = keyFiles(dataDir);
  if (readSet(files.signingKeysFile).keys.length === 0) {
    rotateLocalKeys(dataDir, localTiming());
  }
  return files;
}

function seconds(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number of seconds`);
  return value;
}

/** The local stage's settings: those of `npm start`, from the same environment variables. */
export function localKeyTiming(): KeyTimingSettings {
  return {
    keySetReloadSeconds: seconds("KEY_SET_RELOAD_SECONDS", LOCAL_KEY_SET_RELOAD_SECONDS),
    jwksMaxAgeSeconds: seconds("JWKS_MAX_AGE_SECONDS", LOCAL_JWKS_MAX_AGE_SECONDS),
    verifierKeyCacheSeconds: seconds("VERIFIER_KEY_CACHE_SECONDS", LOCAL_VERIFIER_KEY_CACHE_SECONDS),
    accessTokenTtlSeconds: seconds("ACCESS_TOKEN_TTL_SECONDS", 900),
  };
}

export function localTiming(): RotationTiming {
  return rotationTiming(localKeyTiming(), LOCAL_CLOCK_SKEW_SECONDS);
}
