/**
 * The public key set, for the authorizer and the JWK Set / discovery routes:
 * they read PUBLIC_KEYS_PARAMETER only and so can verify tokens but never
 * mint one. Public KeyObjects are built once per load of the set, by `kid`.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { reloadingKeyDocument } from "./key-document.js";
import { publicJwk, type PublicJwk } from "./key-set.js";

export interface VerificationKeys {
  /** The key each published `kid` names. */
  byKid: ReadonlyMap<string, KeyObject>;
  /** The JWK Set as served: public members only, whatever the stored document holds. */
  jwks: { keys: PublicJwk[] };
}

export const verificationKeys = reloadingKeyDocument("PUBLIC_KEYS", (set): VerificationKeys => {
  const keys = set.keys.map((stored) => publicJwk(stored.jwk, stored.kid));
  return {
    byKid: new Map(keys.map((jwk) => [jwk.kid, createPublicKey({ key: jwk, format: "jwk" })])),
    jwks: { keys },
  };
});
