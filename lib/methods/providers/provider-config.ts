/**
 * The outside OpenID providers this stage signs in with: AUTH_PROVIDERS (a
 * JSON array) or AUTH_PROVIDERS_FILE (a path to a file holding one), read
 * once per container and refused at start when malformed, as config.ts does.
 * A client secret may come from an SSM SecureString parameter
 * (`clientSecretParameter`) so that it never sits in the template.
 */
import { readFileSync } from "node:fs";
import { BadRequestError } from "../../platform/errors.js";

export type ProviderPreset = "google" | "microsoft" | "apple" | "okta" | "auth0";

export interface ProviderConfig {
  id: string;
  name: string;
  type: "oidc";
  issuer: string;
  clientId: string;
  clientSecret?: string;
  clientSecretParameter?: string;
  scopes: string[];
  responseMode: "query" | "form_post";
  preset?: ProviderPreset;
  /** Apple: the client secret is an ES256 JWT this key signs (provider-secrets.ts). */
  apple?: { teamId: string; keyId: string; privateKey?: string; privateKeyParameter?: string };
}

const ID = /^[a-z0-9-]{1,32}$/;
const PRESETS: readonly ProviderPreset[] = ["google", "microsoft", "apple", "okta", "auth0"];

/** What each preset fills in when the entry leaves it out. */
const PRESET_DEFAULTS: Record<ProviderPreset, Partial<ProviderConfig>> = {
  google: { issuer: "https://accounts.google.com", name: "Google" },
  // Multi-tenant: each tenant's tokens name their own issuer; the entry names one tenant's or "organizations".
  microsoft: { issuer: "https://login.microsoftonline.com/organizations/v2.0", name: "Microsoft" },
  // Apple posts the answer back (form_post) when the scope asks for the email or name.
  apple: { issuer: "https://appleid.apple.com", name: "Apple", responseMode: "form_post", scopes: ["openid", "email", "name"] },
  okta: { name: "Okta" },
  auth0: { name: "Auth0" },
};

const isString = (value: unknown): value is string => typeof value === "string" && value.length > 0;

function parseEntry(entry: unknown, index: number): ProviderConfig {
  const where = `AUTH_PROVIDERS[${index}]`;
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new Error(`${where} must be an object`);
  const raw = entry as Record<string, unknown>;
  const preset = raw.preset;
  if (preset !== undefined && !PRESETS.includes(preset as ProviderPreset)) throw new Error(`${where}.preset must be one of ${PRESETS.join(", ")}`);
  const merged = { ...(preset ? PRESET_DEFAULTS[preset as ProviderPreset] : {}), ...raw } as Record<string, unknown>;
  if (!isString(merged.id) || !ID.test(merged.id)) throw new Error(`${where}.id must be 1-32 of a-z, 0-9 and -`);
  if (!isString(merged.name)) throw new Error(`${where}.name is required`);
  if ((merged.type ?? "oidc") !== "oidc") throw new Error(`${where}.type must be "oidc"`);
  if (!isString(merged.issuer) || !/^https?:\/\//.test(merged.issuer)) throw new Error(`${where}.issuer must be a URL`);
  if (!isString(merged.clientId)) throw new Error(`${where}.clientId is required`);
  if (merged.clientSecret !== undefined && !isString(merged.clientSecret)) throw new Error(`${where}.clientSecret must be a string`);
  if (merged.clientSecretParameter !== undefined && !isString(merged.clientSecretParameter)) throw new Error(`${where}.clientSecretParameter must be a string`);
  const scopes = merged.scopes ?? ["openid", "email", "profile"];
  if (!Array.isArray(scopes) || !scopes.every(isString) || !scopes.includes("openid")) throw new Error(`${where}.scopes must be strings including "openid"`);
  const responseMode = merged.responseMode ?? "query";
  if (responseMode !== "query" && responseMode !== "form_post") throw new Error(`${where}.responseMode must be "query" or "form_post"`);
  const apple = merged.apple as ProviderConfig["apple"] | undefined;
  if (apple !== undefined && (!isString(apple.teamId) || !isString(apple.keyId) || !(isString(apple.privateKey) || isString(apple.privateKeyParameter)))) {
    throw new Error(`${where}.apple needs teamId, keyId and privateKey or privateKeyParameter`);
  }
  return {
    id: merged.id,
    name: merged.name,
    type: "oidc",
    issuer: merged.issuer.replace(/\/+$/, ""),
    clientId: merged.clientId,
    ...(isString(merged.clientSecret) && { clientSecret: merged.clientSecret }),
    ...(isString(merged.clientSecretParameter) && { clientSecretParameter: merged.clientSecretParameter }),
    scopes: scopes as string[],
    responseMode,
    ...(preset !== undefined && { preset: preset as ProviderPreset }),
    ...(apple && { apple }),
  };
}

/** Parses the providers' JSON; throws with the entry and field at fault. */
export function parseProviders(json: string): ProviderConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error("AUTH_PROVIDERS must be a JSON array of providers");
  }
  if (!Array.isArray(parsed)) throw new Error("AUTH_PROVIDERS must be a JSON array of providers");
  const providers = parsed.map(parseEntry);
  const ids = providers.map((provider) => provider.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated) throw new Error(`AUTH_PROVIDERS names the provider ${repeated} twice`);
  return providers;
}

function load(): ProviderConfig[] {
  const inline = process.env.AUTH_PROVIDERS;
  const file = process.env.AUTH_PROVIDERS_FILE;
  if (inline && inline.trim() !== "") return parseProviders(inline);
  if (file && file.trim() !== "") return parseProviders(readFileSync(file, "utf8"));
  return [];
}

export const PROVIDERS: readonly ProviderConfig[] = Object.freeze(load());

export const providerById = (id: string): ProviderConfig | undefined => PROVIDERS.find((provider) => provider.id === id);

/** The configured provider a request body names (`provider`), or 400 invalid_request. */
export function requestedProvider(id: string): ProviderConfig {
  const provider = providerById(id);
  if (!provider) throw new BadRequestError("Invalid request: provider names no configured provider", [{ field: "provider", problem: "is not a configured provider" }]);
  return provider;
}

/** What `GET /auth/providers` lists: never an issuer's secret. */
export const listedProviders = () => PROVIDERS.map(({ id, name }) => ({ id, name }));
