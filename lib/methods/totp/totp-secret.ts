/**
 * TOTP secrets at rest: AES-256-GCM under a key derived from the stage's
 * server secret (platform/server-secret.ts, purpose "totp-secret"), with the
 * user's id as associated data, so that a secret copied onto another user's
 * item does not decrypt. A reader of the table alone learns no secret.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { serverKey } from "../../platform/server-secret.js";

const FORMAT = "v1";

export async function encryptTotpSecret(userId: string, secret: string): Promise<string> {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", await serverKey("totp-secret"), iv);
  cipher.setAAD(Buffer.from(userId, "utf8"));
  const data = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return [FORMAT, iv, cipher.getAuthTag(), data].map((part) => (typeof part === "string" ? part : part.toString("base64url"))).join(".");
}

/** The secret, or an error when the stored value is not ours, was tampered with, or belongs to another user. */
export async function decryptTotpSecret(userId: string, stored: string): Promise<string> {
  const [format, iv, tag, data] = stored.split(".");
  if (format !== FORMAT || !iv || !tag || data === undefined) throw new Error("unreadable TOTP secret");
  // The full 16-byte tag only: Node would otherwise accept a truncated one.
  const decipher = createDecipheriv("aes-256-gcm", await serverKey("totp-secret"), Buffer.from(iv, "base64url"), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(userId, "utf8"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
}
