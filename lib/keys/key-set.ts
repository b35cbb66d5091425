/**
 * The token signing key set and its rotation rules, as plain data (no I/O).
 *
 * Two documents of one shape, `{ keys: [{ kid, activatesAt, jwk }] }`:
 * - the private set (SSM SecureString / `signing-keys.json`), read only by the
 *   functions that issue tokens: the key that signs now and the one waiting
 *   to, with their private parts;
 * - the public set (SSM String / `public-keys.json`), read by the authorizer
 *   and served as the JWK Set: every key whose tokens may still be live, and
 *   the waiting one, public parts only.
 *
 * Timeline of one rotation (times in epoch seconds):
 *   rotate run at t        -> key B published in both sets, `activatesAt = t + delay`
 *   t + delay              -> signers switch from A to B (newest active key);
 *                             A is retired: it signs nothing more
 *   t + delay + ttl + skew -> every token A signed has expired: a later run prunes A
 * The delay (`rotationTiming`) covers every cache between the key set and a
 * verifier: the containers' reload interval, the JWK Set's max-age and the
 * longest key cache of a verifier in use (API Gateway's HTTP API JWT
 * authorizer keeps keys up to 2 hours), plus clock skew; so every verifier
 * knows B before B signs anything.
 */
import { createHash, generateKeyPairSync, type JsonWebKey } from "node:crypto";

export const SIGNING_ALGORITHM = "RS256";
export const RSA_MODULUS_BITS = 2048;

/** The members of a public RSA signing JWK, and nothing else: what the JWK Set serves. */
export type PublicJwk = {
  kty: "RSA";
  kid: string;
  use: "sig";
  alg: typeof SIGNING_ALGORITHM;
  n: string;
  e: string;
};

export interface StoredKey<Jwk = JsonWebKey> {
  kid: string;
  /** Epoch seconds from which the key may sign. */
  activatesAt: number;
  jwk: Jwk;
}

export interface KeySet<Jwk = JsonWebKey> {
  keys: StoredKey<Jwk>[];
}

export interface RotationTiming {
  /** Seconds between publishing a key and its first signature. */
  activationDelaySeconds: number;
  /** Lifetime of an access token (ACCESS_TOKEN_TTL_SECONDS of the stage). */
  accessTokenTtlSeconds: number;
  /** Allowance for clocks that disagree, added before a retired key is pruned. */
  clockSkewSeconds: number;
}

/**
 * The settings of a stage that decide a rotation's timing. Deployed, the ones
 * the stage was deployed with (serverless.yml writes them to the SSM String
 * `/auth-api/<stage>/key-timing`); locally, the ones `npm start` runs with.
 */
export interface KeyTimingSettings {
  /** KEY_SET_RELOAD_SECONDS: how long a container keeps a key set before re-reading it. */
  keySetReloadSeconds: number;
  /** JWKS_MAX_AGE_SECONDS: how long HTTP caches may keep the JWK Set. */
  jwksMaxAgeSeconds: number;
  /** VERIFIER_KEY_CACHE_SECONDS: the longest any verifier in use keeps the keys it fetched. */
  verifierKeyCacheSeconds: number;
  /** ACCESS_TOKEN_TTL_SECONDS. */
  accessTokenTtlSeconds: number;
}

/** API Gateway's HTTP API JWT authorizer caches a JWK Set for up to 2 hours. */
export const DEFAULT_VERIFIER_KEY_CACHE_SECONDS = 2 * 60 * 60;
export const DEPLOYED_CLOCK_SKEW_SECONDS = 60;

/** A stage deployed with serverless.yml's defaults: 7200 + 600 + 300 + 60 s = 2 h 16 min of activation delay. */
export const DEPLOYED_KEY_TIMING: Readonly<KeyTimingSettings> = Object.freeze({
  keySetReloadSeconds: 300,
  jwksMaxAgeSeconds: 600,
  verifierKeyCacheSeconds: DEFAULT_VERIFIER_KEY_CACHE_SECONDS,
  accessTokenTtlSeconds: 900,
});

/**
 * For a stage whose settings are not known (no key-timing parameter): never
 * shorter than the defaults, and the JWK Set's max-age at its cap (1 hour).
 * Too long only slows a rotation down (4 h 1 min of activation delay) and keeps
 * a retired key published longer; too short could fail tokens.
 */
export const FALLBACK_KEY_TIMING: Readonly<KeyTimingSettings> = Object.freeze({
  keySetReloadSeconds: 3600,
  jwksMaxAgeSeconds: 3600,
  verifierKeyCacheSeconds: DEFAULT_VERIFIER_KEY_CACHE_SECONDS,
  accessTokenTtlSeconds: 3600,
});

/**
 * The activation delay is the longest a verifier can go on with a copy of the
 * public set from before a rotation: a container's copy (reload interval),
 * kept by an HTTP cache (max-age), then kept by the verifier itself (its key
 * cache), plus clock skew.
 */
export function rotationTiming(settings: KeyTimingSettings, clockSkewSeconds: number): RotationTiming {
  return {
    activationDelaySeconds: settings.keySetReloadSeconds + settings.jwksMaxAgeSeconds + settings.verifierKeyCacheSeconds + clockSkewSeconds,
    accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
    clockSkewSeconds,
  };
}

/**
 * Parses and checks a stage's key-timing parameter: a JSON object with the four
 * settings as whole seconds (others are ignored). Throws on anything else: a
 * rotation must not run on half-understood timing.
 */
export function parseKeyTiming(text: string, source: string): KeyTimingSettings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`${source} is not a JSON object`);
  const value = (name: keyof KeyTimingSettings, min: number): number => {
    const seconds = (parsed as Record<string, unknown>)[name];
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < min) {
      throw new Error(`${source}: ${name} must be a whole number of seconds${min > 0 ? " above 0" : ""}`);
    }
    return seconds;
  };
  return {
    keySetReloadSeconds: value("keySetReloadSeconds", 0),
    jwksMaxAgeSeconds: value("jwksMaxAgeSeconds", 0),
    verifierKeyCacheSeconds: value("verifierKeyCacheSeconds", 0),
    accessTokenTtlSeconds: value("accessTokenTtlSeconds", 1),
  };
}

/** A JWK's public members only, whatever else the input carries (never a private part). */
export function publicJwk(jwk: JsonWebKey & { kid?: string }, kid: string): PublicJwk {
  if (jwk.kty !== "RSA" || typeof jwk.n !== "string" || typeof jwk.e !== "string") throw new Error(`key ${kid} is not an RSA key`);
  return { kty: "RSA", kid, use: "sig", alg: SIGNING_ALGORITHM, n: jwk.n, e: jwk.e };
}

/** RFC 7638 thumbprint: a kid derived from the key itself, so it can never name two keys. */
function thumbprint(jwk: JsonWebKey): string {
  return createHash("sha256").update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })).digest("base64url");
}

/** A new 2048-bit RSA key (private JWK), to sign from `activatesAt`. */
export function generateSigningKey(activatesAt: number): StoredKey {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: RSA_MODULUS_BITS });
  const jwk = privateKey.export({ format: "jwk" });
  const kid = thumbprint(jwk);
  return { kid, activatesAt, jwk: { ...jwk, kid, use: "sig", alg: SIGNING_ALGORITHM } as JsonWebKey };
}

const byActivation = <T extends { activatesAt: number }>(a: T, b: T) => a.activatesAt - b.activatesAt;

/** The key that signs at `now`: the newest one already active. */
export function currentKey<T extends StoredKey<unknown>>(set: { keys: T[] }, now: number): T | undefined {
  let current: T | undefined;
  for (const key of set.keys) {
    if (key.activatesAt <= now && (!current || key.activatesAt > current.activatesAt)) current = key;
  }
  return current;
}

/** A published key that does not sign yet. */
export function pendingKey<T extends StoredKey<unknown>>(set: { keys: T[] }, now: number): T | undefined {
  return set.keys.find((key) => key.activatesAt > now);
}

/**
 * Parses and checks a stored set. Throws on anything malformed: a signer or
 * verifier must not run on a half-understood key set.
 */
export function parseKeySet(text: string, source: string): KeySet {
  const parsed = JSON.parse(text) as unknown;
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new Error(`${source} is not a key set`);
  for (const key of keys as Partial<StoredKey>[]) {
    if (typeof key?.kid !== "string" || typeof key.activatesAt !== "number" || typeof key.jwk !== "object" || key.jwk === null) {
      throw new Error(`${source} holds a malformed key`);
    }
  }
  return { keys: keys as StoredKey[] };
}

export interface RotationResult {
  privateSet: KeySet;
  publicSet: KeySet<PublicJwk>;
  added?: StoredKey<PublicJwk>;
  pending?: StoredKey<PublicJwk>;
  pruned: string[];
}

/**
 * One idempotent rotation step at `now`:
 * - prunes from the public set each retired key whose tokens have all expired
 *   (its successor activated more than ttl + skew ago: every signer switched
 *   by then, as the activation delay exceeds their reload interval); a verifier
 *   that still caches a pruned key is not harmed, it only knows one key more;
 * - drops from the private set the private part of each key that no longer
 *   signs (a newer key is active);
 * - publishes a new key, unless one is already waiting to activate. The first
 *   key of an empty set activates at once: no verifier can hold a token yet.
 */
export function rotate(privateSet: KeySet, publicSet: KeySet, now: number, timing: RotationTiming, generate = generateSigningKey): RotationResult {
  const current = currentKey(privateSet, now);
  const published = new Map(publicSet.keys.map((key) => [key.kid, key]));
  // Every private key must be published: repair a set written half-way (public first, then private).
  for (const key of privateSet.keys) if (!published.has(key.kid)) published.set(key.kid, key);

  const ordered = [...published.values()].sort(byActivation);
  const pruned: string[] = [];
  const kept = ordered.filter((key, index) => {
    const successor = ordered[index + 1];
    const retiredAt = successor && successor.activatesAt <= now ? successor.activatesAt : undefined;
    const expired = retiredAt !== undefined && now >= retiredAt + timing.accessTokenTtlSeconds + timing.clockSkewSeconds;
    if (expired) pruned.push(key.kid);
    return !expired;
  });

  const signing = privateSet.keys.filter((key) => key === current || key.activatesAt > now);
  let pending = pendingKey({ keys: signing }, now);
  let added: StoredKey | undefined;
  if (!pending) {
    added = generate(current ? now + timing.activationDelaySeconds : now);
    pending = added.activatesAt > now ? added : undefined;
    signing.push(added);
    kept.push(added);
  }
  const toPublic = (key: StoredKey<unknown>): StoredKey<PublicJwk> => ({
    kid: key.kid,
    activatesAt: key.activatesAt,
    jwk: publicJwk(key.jwk as JsonWebKey, key.kid),
  });
  return {
    privateSet: { keys: signing.sort(byActivation) },
    publicSet: { keys: kept.map(toPublic) },
    added: added && toPublic(added),
    pending: pending && toPublic(pending),
    pruned,
  };
}
