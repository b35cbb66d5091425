import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { readParameter } from "./parameters.js";
import { signingKeyFromSecret } from "./tokens.js";

/**
 * The token signing key, loaded once per container. Deployed, the secret is an
 * SSM SecureString named by JWT_SECRET_PARAMETER (fetched with decryption at
 * cold start and kept for the container's life, never in the template or the
 * function's environment); locally
 * JWT_SECRET_FILE names a file that `npm start` generated once in its data folder.
 */
let key: Promise<KeyObject> | undefined;

async function loadSecret(): Promise<string> {
  const parameterName = process.env.JWT_SECRET_PARAMETER;
  if (parameterName) return readParameter(parameterName);
  const file = process.env.JWT_SECRET_FILE;
  if (!file) throw new Error("Set JWT_SECRET_PARAMETER (deployed) or JWT_SECRET_FILE (local) to find the token signing secret");
  // A few bytes read once per container: synchronously, as there is nothing to overlap it with.
  return readFileSync(file, "utf8").trim();
}

export function signingKey(): Promise<KeyObject> {
  key ??= loadSecret().then(signingKeyFromSecret, (error: unknown) => {
    key = undefined; // a failed fetch is retried by the next invocation
    throw error;
  });
  return key;
}
