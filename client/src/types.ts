/**
 * The request and response bodies of the API, named as in the contract
 * (CONTRACT.md) and in openapi.yaml. Written by hand until openapi.yaml
 * describes every route; `openapi.d.ts` (generated from openapi.yaml by
 * `npm run client:types`) is then the source and this file re-exports it.
 */

export type Role = "user" | "moderator" | "admin";

export interface User {
  id: string;
  email: string;
  emailVerified: boolean;
  username?: string;
  name?: string;
  roles: string[];
  disabled?: boolean;
  createdAt: string;
}

/** What signup, signin and refresh answer. */
export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
  tokenType: "Bearer";
  /** Seconds until the access token expires. */
  expiresIn: number;
}

/** Signup with `REQUIRE_VERIFIED_EMAIL=true` answers the user alone: no session until the email is verified. */
export type SignupResponse = Session | { user: User };

/** A live session of the caller, as `GET /users/me/sessions` lists it. */
export interface SessionInfo {
  /** The session id: the `sid` of its access tokens. */
  id: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent?: string;
  ipAddress?: string;
  /** True for the session whose access token made the request. */
  current: boolean;
}

export interface Event {
  type: string;
  at: string;
  sessionId?: string;
  ipAddress?: string;
  userAgent?: string;
}

export interface SignupRequest {
  email: string;
  password: string;
  username?: string;
  name?: string;
}

export type SigninRequest = { email: string; password: string } | { username: string; password: string };

export interface RefreshRequest {
  refreshToken: string;
}

export interface SignoutRequest {
  refreshToken?: string;
  allSessions?: boolean;
}

export interface PasswordChangeRequest {
  currentPassword: string;
  newPassword: string;
}

export interface AccountDeletionRequest {
  currentPassword: string;
}

export interface ForgotPasswordRequest {
  email: string;
}

export interface ResetPasswordRequest {
  token: string;
  newPassword: string;
}

export interface VerifyEmailRequest {
  token: string;
}

export interface RolesRequest {
  roles: string[];
}

export interface UserUpdateRequest {
  disabled: boolean;
}

export interface ListQuery {
  /** 1 to 100, default 50. */
  limit?: number;
  /** The previous page's `nextCursor`. */
  cursor?: string;
}

export interface UserListQuery extends ListQuery {
  /** Exact, case-insensitive. */
  email?: string;
}

export interface UserBody {
  user: User;
}

export interface UserList {
  users: User[];
  nextCursor?: string;
}

export interface SessionList {
  sessions: SessionInfo[];
}

export interface EventList {
  events: Event[];
  nextCursor?: string;
}

export interface MessageBody {
  message: string;
}

export interface TextMessage {
  text: string;
}

/** A public key of the JWK Set (RFC 7517). */
export interface Jwk {
  kty: string;
  kid: string;
  use?: string;
  alg?: string;
  n?: string;
  e?: string;
  [parameter: string]: unknown;
}

export interface JwkSet {
  keys: Jwk[];
}

export interface OpenIdConfiguration {
  issuer: string;
  jwks_uri: string;
  response_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
  [field: string]: unknown;
}

/** Every error body: a message, with per-field problems on 400 and `retryAfter` on 429. */
export interface ErrorBody {
  message: string;
  errors?: { field: string; problem: string }[];
  retryAfter?: number;
}
