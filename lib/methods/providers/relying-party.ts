/**
 * Our side of an outside provider's authorization code flow, on openid-client
 * (panva's certified relying party): discovery (kept for the container's
 * life, so the provider's metadata and JWKS are fetched once per cold start,
 * not per sign-in), the authorization URL with PKCE S256, state and nonce, and
 * the callback's code exchange with the ID token's checks (signature by the
 * provider's JWKS, iss, aud, exp, nonce, azp where present).
 */
import * as oidc from "openid-client";
import { config } from "../../platform/config.js";
import { clientSecretOf } from "./provider-secrets.js";
import type { ProviderConfig } from "./provider-config.js";

/** What a provider said about the person, once its ID token verified. */
export interface ProviderIdentity {
  sub: string;
  email?: string;
  emailVerified: boolean;
  name?: string;
}

/** The values one sign-in at a provider is bound to; kept by our state item until the callback. */
export interface ProviderChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

const LOOPBACK = /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/;

export const callbackUrl = (provider: Pick<ProviderConfig, "id">) => `${config.issuer}/auth/providers/${provider.id}/callback`;

const configurations = new Map<string, { at: number; configuration: Promise<oidc.Configuration> }>();

/** Apple's client secret is a JWT that expires (provider-secrets.ts): the configuration holding it is made again well before. */
const APPLE_CONFIGURATION_MAX_AGE_MS = 6 * 60 * 60 * 1000;

/** The provider's discovered configuration: once per container (Apple's: every few hours), again after a failure. */
function configurationOf(provider: ProviderConfig, now = Date.now()): Promise<oidc.Configuration> {
  const cached = configurations.get(provider.id);
  const stale = cached !== undefined && provider.apple !== undefined && now - cached.at > APPLE_CONFIGURATION_MAX_AGE_MS;
  let found = stale ? undefined : cached?.configuration;
  if (!found) {
    found = (async () => {
      const secret = await clientSecretOf(provider);
      // Apple, and any provider without client_secret_basic, takes the secret in the body.
      const auth = provider.preset === "apple" ? oidc.ClientSecretPost(secret) : secret === undefined ? oidc.None() : oidc.ClientSecretBasic(secret);
      // The ID token's signature is checked against the provider's JWKS too (openid-client checks only its
      // claims by default, as OpenID Connect allows for a token fetched over TLS); the JWKS is cached for minutes.
      // Plain http only for a provider on this machine (the local test provider).
      const execute = [oidc.enableNonRepudiationChecks, ...(LOOPBACK.test(provider.issuer) ? [oidc.allowInsecureRequests] : [])];
      return oidc.discovery(new URL(provider.issuer), provider.clientId, undefined, auth, { execute, timeout: 5 });
    })();
    found.catch(() => configurations.delete(provider.id));
    configurations.set(provider.id, { at: now, configuration: found });
  }
  return found;
}

export function newProviderChecks(): ProviderChecks {
  return { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
}

/** What the provider is asked besides the code: a login hint, and `prompt=login` when credentials must be asked again. */
export interface TripOptions {
  loginHint?: string;
  prompt?: "login";
}

export async function providerAuthorizationUrl(provider: ProviderConfig, checks: ProviderChecks, options: TripOptions = {}): Promise<string> {
  const configuration = await configurationOf(provider);
  return oidc
    .buildAuthorizationUrl(configuration, {
      redirect_uri: callbackUrl(provider),
      scope: provider.scopes.join(" "),
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: "S256",
      ...(provider.responseMode === "form_post" && { response_mode: "form_post" }),
      ...(options.loginHint && { login_hint: options.loginHint }),
      ...(options.prompt && { prompt: options.prompt }),
    })
    .toString();
}

export class ProviderRefusedError extends Error {
  override name = "ProviderRefusedError";
}

/**
 * Exchanges the callback's code and verifies the ID token. `answer` is the
 * callback's parameters (query, or the form_post body). Throws
 * ProviderRefusedError for anything the provider or an attacker got wrong
 * (an error answer, a code it never issued, a token for another audience,
 * a nonce or state that does not match).
 */
export async function exchangeProviderCode(provider: ProviderConfig, answer: URLSearchParams, checks: ProviderChecks): Promise<ProviderIdentity> {
  const configuration = await configurationOf(provider);
  const current = new URL(callbackUrl(provider));
  for (const [name, value] of answer) current.searchParams.append(name, value);
  let claims: oidc.IDToken | undefined;
  try {
    const tokens = await oidc.authorizationCodeGrant(configuration, current, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    claims = tokens.claims();
  } catch (error) {
    throw new ProviderRefusedError(error instanceof Error ? error.message : "the provider's answer did not verify");
  }
  if (!claims || typeof claims.sub !== "string" || claims.sub === "") throw new ProviderRefusedError("the ID token has no subject");
  const email = typeof claims.email === "string" ? claims.email : undefined;
  // Some providers send the boolean as a string ("true"): only a clear yes counts.
  const emailVerified = claims.email_verified === true || claims.email_verified === "true";
  const name = typeof claims.name === "string" ? claims.name : undefined;
  return { sub: claims.sub, ...(email && { email }), emailVerified, ...(name && { name }) };
}
