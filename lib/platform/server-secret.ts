/**
 * The stage's server secret (at least 32 random bytes), from which each use
 * derives a key of its own with HKDF-SHA256, so that one leaked derived key
 * tells nothing about another. Deployed it is the SSM SecureString named by
 * SERVER_SECRET_PARAMETER (read at cold start, never in the template or the
 * environment); locally SERVER_SECRET_FILE names a file that `npm start`
 * generated once in its data folder. Only functions that need a derived key
 * may read it (serverless.yml).
 */
import { hkdfSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { readParameter } from "./parameters.js";

/** Each use of the secret, named: the name is HKDF's `info`, so keys differ per use. */
export type KeyPurpose = "refresh-token-rotation" | "list-cursor" | "totp-secret" | "recovery-code";

let secret: Promise<Buffer> | undefined;
const keys = new Map<KeyPurpose, Promise<Buffer>>();

async function loadSecret(): Promise<Buffer> {
  const parameter = process.env.SERVER_SECRET_PARAMETER;
  const file = process.env.SERVER_SECRET_FILE;
  if (!parameter && !file) {
    throw new Error("Set SERVER_SECRET_PARAMETER (deployed) or SERVER_SECRET_FILE (local) to find the server secret");
  }
  // A few bytes read once per container: synchronously, as there is nothing to overlap it with.
  const value = Buffer.from(parameter ? await readParameter(parameter) : readFileSync(file!, "utf8").trim(), "utf8");
  if (value.length < 32) throw new Error("The server secret must be at least 32 bytes");
  return value;
}

/** The 32-byte key for one purpose, derived once per container. */
export function serverKey(purpose: KeyPurpose): Promise<Buffer> {
  let key = keys.get(purpose);
  if (!key) {
    secret ??= loadSecret().catch((error: unknown) => {
      secret = undefined; // a failed fetch is retried by the next invocation
      keys.clear();
      throw error;
    });
    key = secret.then((ikm) => Buffer.from(hkdfSync("sha256", ikm, Buffer.alloc(0), `auth-api ${purpose}`, 32)));
    keys.set(purpose, key);
  }
  return key;
}
