/**
 * Client secrets: 256 random bits, handed out once. Stored as SHA-256, not
 * bcrypt: a secret this long cannot be guessed offline, and the token
 * endpoint checks it on every request. Compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const newClientSecret = () => randomBytes(32).toString("base64url");

export const hashClientSecret = (secret: string) => createHash("sha256").update(secret, "utf8").digest("base64url");

export function secretMatches(secret: string, storedHash: string | undefined): boolean {
  if (!storedHash) return false;
  const presented = Buffer.from(hashClientSecret(secret));
  const stored = Buffer.from(storedHash);
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
