// A user's authenticator app for the browser tests: TOTP codes of a secret key
// (RFC 6238: SHA-1, 6 digits, 30 s), computed with `otpauth` as a phone would.
// The API accepts a time step once per user, so every code comes from a step
// not used before, waiting for the next one when needed.
import { setTimeout as sleep } from "node:timers/promises";
import * as OTPAuth from "otpauth";

const PERIOD_MS = 30_000;

export function authenticatorApp(secret: string) {
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: "SHA1", digits: 6, period: PERIOD_MS / 1000 });
  const used = new Set<number>();
  return {
    async freshCode(): Promise<string> {
      let step = Math.floor(Date.now() / PERIOD_MS);
      if (used.has(step)) {
        await sleep((step + 1) * PERIOD_MS - Date.now() + 200);
        step = Math.floor(Date.now() / PERIOD_MS);
      }
      used.add(step);
      return totp.generate({ timestamp: step * PERIOD_MS });
    },
  };
}
