// Hand-built JWTs for attack tests: what an attacker can make without our private key.
import { constants, createHmac, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import type { PublicJwk } from "../../lib/keys/key-set.js";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** How a forged token is signed: an HMAC secret, an RSA private key (RS256 or PS256), or not at all. */
export type Signer = string | Buffer | { rsa: KeyObject; alg?: "RS256" | "PS256" };

export function forgeToken(header: Record<string, unknown>, payload: Record<string, unknown>, signer?: Signer): string {
  const unsigned = `${b64(header)}.${b64(payload)}`;
  let signature = "";
  if (typeof signer === "string" || Buffer.isBuffer(signer)) {
    signature = createHmac("sha256", signer).update(unsigned).digest("base64url");
  } else if (signer) {
    const padding = signer.alg === "PS256" ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : {};
    signature = sign("sha256", Buffer.from(unsigned), { key: signer.rsa, ...padding }).toString("base64url");
  }
  return `${unsigned}.${signature}`;
}

/** The same token with its payload replaced and the original signature kept. */
export function tamperPayload(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split(".");
  const decoded = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"));
  change(decoded);
  return `${header}.${b64(decoded)}.${signature}`;
}

/** An RSA key of the attacker's own, with the JWK an attacker would host for it. */
export const attackerKey = (() => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKey, jwk: { ...publicKey.export({ format: "jwk" }), kid: "attacker", use: "sig", alg: "RS256" } };
})();

/**
 * Every attack of the contract on one valid token whose `kid` names
 * `published` (the key as our JWK Set serves it); each must be rejected.
 */
export function attacksOn(validToken: string, published: PublicJwk): Record<string, string> {
  const [header, payload] = validToken.split(".");
  const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"));
  const kid = published.kid;
  const publicPem = createPublicKey({ key: published, format: "jwk" }).export({ type: "spki", format: "pem" });
  const attacker = { rsa: attackerKey.privateKey };
  return {
    "alg none": forgeToken({ alg: "none", typ: "at+jwt", kid }, claims),
    "alg none, no kid": forgeToken({ alg: "none", typ: "at+jwt" }, claims),
    // Algorithm confusion: a verifier that lets the token pick HMAC would use our public key as the secret.
    "HS256 keyed with the published key's PEM": forgeToken({ alg: "HS256", typ: "at+jwt", kid }, claims, publicPem),
    "HS256 keyed with the published JWK": forgeToken({ alg: "HS256", typ: "at+jwt", kid }, claims, JSON.stringify(published)),
    "HS256 keyed with the published modulus": forgeToken({ alg: "HS256", typ: "at+jwt", kid }, claims, Buffer.from(published.n, "base64url")),
    "HS256 re-signed with an attacker's secret": forgeToken({ alg: "HS256", typ: "at+jwt", kid }, claims, "an attacker's own secret of 32+ bytes!!"),
    "HS512 re-signed": forgeToken({ alg: "HS512", typ: "at+jwt", kid }, claims, "x"),
    "PS256 by another RSA key under the published kid": forgeToken({ alg: "PS256", typ: "at+jwt", kid }, claims, { rsa: attackerKey.privateKey, alg: "PS256" }),
    "RS256 by another RSA key under the published kid": forgeToken({ alg: "RS256", typ: "at+jwt", kid }, claims, attacker),
    "RS256 by another RSA key, unknown kid": forgeToken({ alg: "RS256", typ: "at+jwt", kid: "attacker" }, claims, attacker),
    "RS256 by another RSA key, no kid": forgeToken({ alg: "RS256", typ: "at+jwt" }, claims, attacker),
    "jku pointing at the attacker's JWK Set": forgeToken(
      { alg: "RS256", typ: "at+jwt", kid: "attacker", jku: "https://attacker.example/jwks.json" },
      claims,
      attacker,
    ),
    "jku pointing elsewhere, under the published kid": forgeToken(
      { alg: "RS256", typ: "at+jwt", kid, jku: "https://attacker.example/jwks.json" },
      claims,
      attacker,
    ),
    "x5u pointing at the attacker's certificate": forgeToken(
      { alg: "RS256", typ: "at+jwt", kid: "attacker", x5u: "https://attacker.example/cert.pem" },
      claims,
      attacker,
    ),
    "embedded jwk of the attacker's key": forgeToken({ alg: "RS256", typ: "at+jwt", kid, jwk: attackerKey.jwk }, claims, attacker),
    "tampered payload (roles: admin)": tamperPayload(validToken, (p) => (p.roles = ["user", "admin"])),
    "tampered payload (sub)": tamperPayload(validToken, (p) => (p.sub = "00000000-0000-4000-8000-000000000000")),
    "stripped signature": `${header}.${payload}.`,
    "signature only truncated": validToken.slice(0, -2),
    "not a JWT": "not-a-jwt",
  };
}

/** The published JWK a token's `kid` names, from a public key set file (the data folder of a stack or of the tests). */
export function publishedKeyOf(token: string, publicKeysFile: string): PublicJwk {
  const { kid } = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8")) as { kid: string };
  const set = JSON.parse(readFileSync(publicKeysFile, "utf8")) as { keys: { kid: string; jwk: PublicJwk }[] };
  const key = set.keys.find((k) => k.kid === kid);
  if (!key) throw new Error(`kid ${kid} is not in ${publicKeysFile}`);
  return key.jwk;
}
