// Hand-built JWTs for attack tests: what an attacker can make without our key.
import { createHmac } from "node:crypto";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export function forgeToken(header: Record<string, unknown>, payload: Record<string, unknown>, secret?: string): string {
  const unsigned = `${b64(header)}.${b64(payload)}`;
  const signature = secret ? createHmac("sha256", secret).update(unsigned).digest("base64url") : "";
  return `${unsigned}.${signature}`;
}

/** The same token with its payload replaced and the original signature kept. */
export function tamperPayload(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split(".");
  const decoded = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"));
  change(decoded);
  return `${header}.${b64(decoded)}.${signature}`;
}

/** Every attack of the contract on one valid token; each must be rejected. */
export function attacksOn(validToken: string): Record<string, string> {
  const [header, payload] = validToken.split(".");
  const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"));
  return {
    "alg none": forgeToken({ alg: "none", typ: "at+jwt" }, claims),
    "re-signed with another key": forgeToken({ alg: "HS256", typ: "at+jwt" }, claims, "an attacker's own secret of 32+ bytes!!"),
    "tampered payload (roles: admin)": tamperPayload(validToken, (p) => (p.roles = ["user", "admin"])),
    "tampered payload (sub)": tamperPayload(validToken, (p) => (p.sub = "00000000-0000-4000-8000-000000000000")),
    "stripped signature": `${header}.${payload}.`,
    "signature only truncated": validToken.slice(0, -2),
    "not a JWT": "not-a-jwt",
    "HS512 re-signed": forgeToken({ alg: "HS512", typ: "at+jwt" }, claims, "x"),
  };
}
