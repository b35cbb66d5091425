import type { KeyObject } from "node:crypto";

export interface LocalIdpClient {
  client_id: string;
  /** Absent (and no `apple`): a public client (token_endpoint_auth_method none). */
  client_secret?: string;
  redirect_uris: string[];
  /** e.g. ["form_post"]: the client must ask for that response mode, as Apple's do. */
  response_modes?: string[];
  /** The client's secret is an Apple-style ES256 JWT made from this key; `email_verified` comes as the string "true". */
  apple?: { teamId: string; keyId: string; publicKey: string | KeyObject };
}

export interface LocalIdpOptions {
  port: number;
  /** Default `http://localhost:<port>`. */
  issuer?: string;
  clients?: LocalIdpClient[];
  /** Where the RS256 signing key is kept across restarts (default: a new key per start). */
  keysFile?: string;
  /** Skip the sign-in page while the browser's IdP session lasts (default false: the page every time). */
  singleSignOn?: boolean;
  /** What `email_verified` says for an address (default: always true). */
  emailVerified?: (email: string) => boolean;
  /** Where the provider's errors are reported (default: nowhere). */
  log?: (line: string) => void;
}

export interface LocalIdp {
  issuer: string;
  port: number;
  stop(): Promise<void>;
}

/** The `sub` the local IdP gives an email address (stable per lowercased address). */
export function subjectOf(email: string): string;
export function startLocalIdp(options: LocalIdpOptions): Promise<LocalIdp>;
