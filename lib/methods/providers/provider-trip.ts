/**
 * Sends the browser to an outside provider: a fresh state, nonce and PKCE
 * verifier, kept (hashed state) for the callback with what the trip is for:
 * completing one of our authorization requests, or linking to a signed-in user.
 */
import { writeItem } from "../../platform/transactions.js";
import type { ProviderConfig } from "./provider-config.js";

import { PROVIDER_STATE_TTL_SECONDS, providerStatePut, type ProviderStateRecord } from "./provider-state-store.js";
import { newProviderChecks, providerAuthorizationUrl, type TripOptions } from "./relying-party.js";

export type TripPurpose = Pick<ProviderStateRecord, "requestId" | "link">;

export async function startProviderTrip(provider: ProviderConfig, purpose: TripPurpose, now: number, options: TripOptions = {}): Promise<string> {
  const checks = newProviderChecks();
  // The URL first: a provider that cannot be discovered leaves no state behind.
  const url = await providerAuthorizationUrl(provider, checks, options);
  await writeItem(
    providerStatePut(checks.state, {
      provider: provider.id,
      nonce: checks.nonce,
      codeVerifier: checks.codeVerifier,
      ...purpose,
      expiresAt: Math.floor(now / 1000) + PROVIDER_STATE_TTL_SECONDS,
    }),
  );
  return url;
}
