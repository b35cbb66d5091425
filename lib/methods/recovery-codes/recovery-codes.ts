/**
 * Recovery codes: the way back in when the authenticator is lost. Ten at a
 * time, each 10 characters of Crockford's base32 (50 random bits) shown as
 * `xxxxx-xxxxx`, given out once and stored only as an HMAC under a key of the
 * server secret (purpose "recovery-code") bound to the user: a copy of the
 * table does not let anyone test guesses offline.
 */
import { createHmac, randomInt } from "node:crypto";
import { serverKey } from "../../platform/server-secret.js";

export const RECOVERY_CODE_COUNT = 10;
/** Crockford's base32: no i, l, o, u, so that what a person copies by hand reads back the same. */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const LENGTH = 10;

function newRecoveryCode(): string {
  const chars = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
}

/** As typed: any case, with or without the dash or spaces; i/l read as 1 and o as 0 (Crockford). */
export function normalizeRecoveryCode(code: string): string | undefined {
  const normalized = code.toLowerCase().replace(/[\s-]/g, "").replace(/[il]/g, "1").replace(/o/g, "0");
  return normalized.length === LENGTH && [...normalized].every((char) => ALPHABET.includes(char)) ? normalized : undefined;
}

/** The stored form of a user's code; undefined for something that cannot be a code. */
export async function hashRecoveryCode(userId: string, code: string): Promise<string | undefined> {
  const normalized = normalizeRecoveryCode(code);
  if (normalized === undefined) return undefined;
  return createHmac("sha256", await serverKey("recovery-code")).update(`${userId}:${normalized}`).digest("base64url");
}

export async function hashRecoveryCodes(userId: string, codes: string[]): Promise<string[]> {
  return Promise.all(codes.map(async (code) => (await hashRecoveryCode(userId, code))!));
}
