/**
 * A provider's client secret: from the configuration locally, from an SSM
 * SecureString parameter deployed (never in the template); for Apple, an
 * ES256 JWT that our key signs (Apple's "client secret": iss = team id,
 * sub = client id, aud = https://appleid.apple.com), made per container.
 */
import { createPrivateKey } from "node:crypto";
import jwt from "jsonwebtoken";
import { readParameter } from "../../platform/parameters.js";
import type { ProviderConfig } from "./provider-config.js";

/** Apple accepts a secret for up to six months; ours lives as long as a container plausibly does. */
const APPLE_SECRET_LIFETIME_SECONDS = 24 * 60 * 60;

export function appleClientSecret(provider: Pick<ProviderConfig, "clientId">, apple: { teamId: string; keyId: string }, privateKeyPem: string, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  const claims = { iss: apple.teamId, sub: provider.clientId, aud: "https://appleid.apple.com", iat, exp: iat + APPLE_SECRET_LIFETIME_SECONDS };
  return jwt.sign(claims, createPrivateKey(privateKeyPem), { algorithm: "ES256", keyid: apple.keyId });
}

export async function clientSecretOf(provider: ProviderConfig): Promise<string | undefined> {
  if (provider.apple) {
    const pem = provider.apple.privateKey ?? (await readParameter(provider.apple.privateKeyParameter!));
    return appleClientSecret(provider, provider.apple, pem);
  }
  if (provider.clientSecret !== undefined) return provider.clientSecret;
  if (provider.clientSecretParameter !== undefined) return readParameter(provider.clientSecretParameter);
  return undefined;
}
