/**
 * TOTP (RFC 6238) as authenticator apps speak it: SHA-1, 6 digits, 30-second
 * steps, through the `otpauth` package. A code is accepted for its own step
 * or one step either way (a phone's clock a little off, a code typed as it
 * turned); the caller makes each step work once (totp-store.ts `lastStep`).
 */
import { Secret, TOTP } from "otpauth";
import { config } from "../../platform/config.js";

export const TOTP_PERIOD_SECONDS = 30;
const DIGITS = 6;
const DRIFT_STEPS = 1;
/** 160 bits, as RFC 4226 recommends for HMAC-SHA1. */
const SECRET_BYTES = 20;

const totpOf = (secret: string, label = "") =>
  new TOTP({ issuer: config.appName, label, algorithm: "SHA1", digits: DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secret) });

/** A new random secret, base32 (what apps accept typed in). */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The `otpauth://totp/...` URI an app scans: issuer APP_NAME, account the user's email. */
export function otpauthUri(secret: string, email: string): string {
  return totpOf(secret, email).toString();
}

/** The time step a timestamp (epoch ms) falls in. */
export const totpStepAt = (now: number) => Math.floor(now / 1000 / TOTP_PERIOD_SECONDS);

export const isTotpCodeShaped = (code: string) => /^\d{6}$/.test(code);

/** The time step whose code `code` is (within the drift), or undefined when it is none of them. */
export function totpStepOf(secret: string, code: string, now: number): number | undefined {
  if (!isTotpCodeShaped(code)) return undefined;
  const delta = totpOf(secret).validate({ token: code, timestamp: now, window: DRIFT_STEPS });
  return delta === null ? undefined : totpStepAt(now) + delta;
}

/** The code of a step (for tests and the bench: what an authenticator app shows). */
export function totpCodeAt(secret: string, now: number): string {
  return totpOf(secret).generate({ timestamp: now });
}
