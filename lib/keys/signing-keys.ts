/**
 * The private key set, for the functions that issue tokens (signup, signin,
 * refresh: only their IAM roles may read SIGNING_KEYS_PARAMETER). Private
 * KeyObjects are built once per load of the set; which one signs is decided
 * per token, so a pending key starts signing at its `activatesAt` without a
 * reload.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { reloadingKeyDocument } from "./key-document.js";
import { currentKey, type StoredKey } from "./key-set.js";

export interface SigningKey {
  kid: string;
  key: KeyObject;
}

type Loaded = StoredKey<KeyObject>[];

const load = reloadingKeyDocument("SIGNING_KEYS", (set): Loaded =>
  set.keys.map((stored) => ({ ...stored, jwk: createPrivateKey({ key: stored.jwk, format: "jwk" }) })),
);

/** The key that signs now: the newest active key of the set. */
export async function signingKey(now = Date.now()): Promise<SigningKey> {
  const key = currentKey({ keys: await load() }, Math.floor(now / 1000));
  if (!key) throw new Error("No active signing key: run `npm run rotate-keys` (see README \"Key rotation\")");
  return { kid: key.kid, key: key.jwk };
}
