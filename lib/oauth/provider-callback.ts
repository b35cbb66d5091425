/**
 * GET and POST /auth/providers/{provider}/callback: the outside provider's
 * answer. The state is spent first (single use, 10 minutes, bound to what the
 * trip was for), then openid-client exchanges the code and verifies the ID
 * token, then the account rules, then the second factor if the user has one,
 * and in the end our code to the client. Every outcome is a redirect:
 *
 * - to the client's redirect URI: `code`, or `error=access_denied` with the
 *   reason's code first in `error_description` (account_exists,
 *   email_not_verified, account_disabled, or the provider's own refusal);
 * - to the hosted page with an mfaToken, when a second factor is due;
 * - to the hosted page with `error=invalid_state` when the state is unknown,
 *   expired or used (no client is known to tell);
 * - for a link, back to the app's `redirectUri` with `linked` or `error`.
 */
import { accountForIdentity, linkIdentity } from "../accounts/provider-accounts.js";
import { nextStep, refuseAccountState, secondStepRequired } from "../accounts/signin.js";
import { auditEventPut } from "../audit/event-store.js";
import type { ClientInfo } from "../http/client-info.js";
import { providerById, type ProviderConfig } from "../methods/providers/provider-config.js";
import { consumeProviderState, type ProviderStateRecord } from "../methods/providers/provider-state-store.js";
import { exchangeProviderCode, ProviderRefusedError, type ProviderIdentity } from "../methods/providers/relying-party.js";
import { config } from "../platform/config.js";
import { HttpError, NotFoundError } from "../platform/errors.js";
import { logger } from "../platform/logger.js";
import { issueCode, pendingRequest, refuseRequest } from "./authorization.js";
import { withQuery } from "./oauth-errors.js";

const hostedPageError = (code: string) => withQuery(`${config.appUrl}/authorize`, { error: code });

const REFUSALS: Record<string, string> = {
  account_exists: "An account with this email exists and cannot be linked automatically: sign in to it and link the provider from your profile",
  email_not_verified: "The provider did not verify this email address",
  identity_in_use: "This identity is linked to another account",
  already_registered: "Another identity of this provider is linked to your account already",
  account_disabled: "This account is disabled",
  session_ended: "The session that asked for the link has ended: sign in again",
};

export async function providerCallback(providerId: string, answer: URLSearchParams, device: ClientInfo, now = Date.now()): Promise<string> {
  const provider = providerById(providerId);
  const state = answer.get("state");
  const trip = provider && state ? await consumeProviderState(state, now) : undefined;
  if (!provider || !trip || trip.provider !== provider.id) return hostedPageError("invalid_state");
  if (trip.link) return finishLink(provider, trip as ProviderStateRecord & { link: NonNullable<ProviderStateRecord["link"]> }, answer, device, now);
  try {
    return await finishSignin(provider, trip, answer, device, now);
  } catch (error) {
    // The request was finished (cancelled, say) while the browser was at the provider: nothing to answer the client.
    if (error instanceof NotFoundError) return hostedPageError("invalid_state");
    throw error;
  }
}

/** The provider's answer as an identity, or why not (it refused, or its answer did not verify). */
async function identityFrom(provider: ProviderConfig, trip: ProviderStateRecord, answer: URLSearchParams, state: string): Promise<ProviderIdentity | { refused: string }> {
  const error = answer.get("error");
  // The provider's own code (access_denied, say), passed on only when it looks like one.
  if (error) return { refused: `${/^[a-z_]{1,64}$/.test(error) ? error : "provider_error"}: ${provider.name} did not sign you in` };
  try {
    return await exchangeProviderCode(provider, answer, { state, nonce: trip.nonce, codeVerifier: trip.codeVerifier });
  } catch (failure) {
    if (!(failure instanceof ProviderRefusedError)) throw failure;
    // A forged or replayed code, a tampered nonce, a token for another audience: the reason stays in our log.
    logger.warn({ provider: provider.id, reason: failure.message }, "outside provider's answer refused");
    return { refused: `invalid_grant: ${provider.name}'s answer did not verify` };
  }
}

async function finishSignin(provider: ProviderConfig, trip: ProviderStateRecord, answer: URLSearchParams, device: ClientInfo, now: number): Promise<string> {
  const requestId = trip.requestId!;
  const request = await pendingRequest(requestId, now);
  const identity = await identityFrom(provider, trip, answer, answer.get("state")!);
  if ("refused" in identity) return refuseRequest(requestId, request, identity.refused, now);
  const account = await accountForIdentity(provider, identity, now, device);
  if ("refused" in account) return refuseRequest(requestId, request, `${account.refused}: ${REFUSALS[account.refused]}`, now);

  const first = { user: account.user, authentication: { amr: ["fed" as const], method: `provider:${provider.id}` as const } };
  try {
    refuseAccountState(first.user);
  } catch (error) {
    if (error instanceof HttpError) return refuseRequest(requestId, request, `${error.code}: ${error.message}`, now);
    throw error;
  }
  if (nextStep(first.user).step === "second-factor") {
    // The hosted page answers the second step with this token, then completes the request as after a password.
    const { mfaToken, factors } = (await secondStepRequired(first, now)).details as { mfaToken: string; factors: string[] };
    return `${config.appUrl}/authorize?request=${encodeURIComponent(requestId)}#${new URLSearchParams({ mfaToken, factors: factors.join(",") })}`;
  }
  const signin = auditEventPut({ userId: first.user.userId, type: "signin", method: first.authentication.method, at: now, ...device });
  const grant = { userId: first.user.userId, sessionVersion: first.user.sessionVersion ?? 0, amr: first.authentication.amr, authTime: Math.floor(now / 1000) };
  return issueCode(requestId, request, grant, now, [signin]);
}

async function finishLink(
  provider: ProviderConfig,
  trip: ProviderStateRecord & { link: NonNullable<ProviderStateRecord["link"]> },
  answer: URLSearchParams,
  device: ClientInfo,
  now: number,
): Promise<string> {
  const back = (parameters: Record<string, string>) => withQuery(trip.link.redirectUri, parameters);
  const identity = await identityFrom(provider, trip, answer, answer.get("state")!);
  if ("refused" in identity) return back({ error: identity.refused.split(":")[0]!, provider: provider.id });
  const outcome = await linkIdentity(provider, identity, trip.link, now, device);
  return "refused" in outcome ? back({ error: outcome.refused, provider: provider.id }) : back({ linked: provider.id });
}
