/**
 * The request and response bodies of the API, named as in the contract.
 * Every one comes from `openapi.d.ts`, which `npm run client:types` generates
 * from openapi.yaml (a test fails when it is stale): response types are read
 * off the route (`paths[...]`), so a route missing from openapi.yaml fails the
 * type check here, and client and API cannot drift apart unnoticed.
 */
import type { components, paths } from "./openapi.js";

type Schemas = components["schemas"];
type JsonOf<Response> = Response extends { content: { "application/json": infer Body } } ? Body : never;
type Query<Operation> = Operation extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
type JsonRequestOf<Operation> = Operation extends { requestBody?: { content: { "application/json": infer Body } } } ? Body : never;

export type Role = Schemas["Role"];
export type User = Schemas["User"];
/** What signup, signin and refresh answer. */
export type Session = Schemas["Session"];
/** A live session of the caller, as `GET /users/me/sessions` lists it. */
export type SessionInfo = Schemas["SessionInfo"];
export type Event = Schemas["Event"];
export type Jwk = Schemas["Jwk"];
/**
 * Every error body: `message` for people, `code` for programs (branch on
 * `code`, never on `message`), with per-field problems (`errors`) on 400 and
 * `retryAfter` on a 429 lockout.
 */
export type ErrorBody = Schemas["Error"];

/** The `code` values one response of openapi.yaml lists; never for a success. */
type CodeOf<Response> = Response extends { content: { "application/json": { code: infer Code } } } ? Code : never;
/** Every operation of openapi.yaml (a path's shared `parameters` are not one). */
type Operation = { [Path in keyof paths]: paths[Path][Exclude<keyof paths[Path], "parameters">] }[keyof paths];
/** The error codes openapi.yaml lists for `Status`, over every route, e.g. `ErrorCodeFor<409>`. */
export type ErrorCodeFor<Status extends number> =
  Operation extends infer Op ? (Op extends { responses: infer Responses } ? (Status extends keyof Responses ? CodeOf<Responses[Status]> : never) : never) : never;
/** Every error code openapi.yaml lists (`invalid_credentials`, `email_taken`, ...). */
export type KnownErrorCode = CodeOf<components["responses"][keyof components["responses"]]>;

export type SignupRequest = Schemas["SignupRequest"];
/**
 * Email or username, with the password. Stricter than openapi.yaml's oneOf,
 * which the generator can only render as `unknown`.
 */
export type SigninRequest = { email: string; password: string } | { username: string; password: string };
export type RefreshRequest = Schemas["RefreshRequest"];
export type SignoutRequest = Schemas["SignoutRequest"];
export type PasswordChangeRequest = Schemas["PasswordChangeRequest"];
export type AccountDeletionRequest = Schemas["DeleteAccountRequest"];
/** `PATCH /users/me`: a new `name` and/or `username` (at least one). */
export type ProfileUpdateRequest = Schemas["ProfileUpdateRequest"];
/**
 * `POST /users/me/email`: the new address with the current password; a user
 * without a password sends a second-factor `code` instead, or the address
 * alone from a multi-factor session. Stricter than openapi.yaml's schema.
 */
export type EmailChangeRequest = { newEmail: string; currentPassword: string } | { newEmail: string; code: string } | { newEmail: string };
/** `POST /auth/email/change/confirm`: the token of the emailed link. */
export type EmailChangeConfirmRequest = Schemas["EmailChangeConfirmRequest"];
export type ForgotPasswordRequest = Schemas["ForgotPasswordRequest"];
export type ResetPasswordRequest = Schemas["ResetPasswordRequest"];
export type VerifyEmailRequest = Schemas["VerifyEmailRequest"];
export type RolesRequest = Schemas["RolesRequest"];
export type UserUpdateRequest = Schemas["UserUpdateRequest"];
/** The second step of signin: signin's `mfaToken`, and a TOTP code or a recovery code. */
export type MfaVerifyRequest = Schemas["MfaVerifyRequest"];
/** A current TOTP code or an unused recovery code (removing TOTP, regenerating the recovery codes). */
export type MfaCodeRequest = Schemas["MfaCodeRequest"];
/** A second factor a user can answer signin's second step with. */
export type MfaFactor = Schemas["MfaFactor"];
/** Signin's 403 `mfa_required` body: the error, with the `mfaToken` and the user's `factors`. */
export type MfaRequiredBody = ErrorBody & Required<Pick<ErrorBody, "mfaToken" | "factors">>;
/** `GET /users/me/mfa`: TOTP on or off, the number of passkeys, the recovery codes left. */
export type MfaStatus = Schemas["MfaStatus"];
/** One of the user's passkeys: `id` is its credential id (base64url); name, created, last used, backed up, transports. */
export type Passkey = Schemas["Passkey"];
/**
 * The WebAuthn Level 3 JSON forms the passkey routes exchange (binary fields
 * base64url): what `PublicKeyCredential.toJSON()` and @simplewebauthn/browser make.
 */
export type RegistrationResponseJSON = Schemas["RegistrationResponseJSON"];
export type AuthenticationResponseJSON = Schemas["AuthenticationResponseJSON"];
/** `POST /users/me/passkeys`: the browser's new credential and an optional name. */
export type PasskeyRegistrationRequest = Schemas["PasskeyRegistrationRequest"];
/** `PATCH /users/me/passkeys/{id}`: the new name. */
export type PasskeyRenameRequest = Schemas["PasskeyRenameRequest"];
/** `POST /auth/passkeys/options`: `{}`, or `{ mfaToken }` for signin's second step. */
export type PasskeyOptionsRequest = Schemas["PasskeyOptionsRequest"];
/** `POST /auth/passkeys/verify`: the browser's assertion, and the `mfaToken` for signin's second step. */
export type PasskeyVerifyRequest = Schemas["PasskeyVerifyRequest"];

/** A session, or, when the API requires a verified email before signin, the user alone. */
export type SignupResponse = JsonOf<paths["/auth/signup"]["post"]["responses"][201]>;
export type UserBody = JsonOf<paths["/users/me"]["get"]["responses"][200]>;
export type UserList = JsonOf<paths["/users"]["get"]["responses"][200]>;
export type SessionList = JsonOf<paths["/users/me/sessions"]["get"]["responses"][200]>;
export type EventList = JsonOf<paths["/users/me/events"]["get"]["responses"][200]>;
/** The 202 of forgot-password and resend-verification. */
export type MessageBody = JsonOf<paths["/auth/password/forgot"]["post"]["responses"][202]>;
export type TextMessage = JsonOf<paths["/messages/public"]["get"]["responses"][200]>;
export type JwkSet = JsonOf<paths["/.well-known/jwks.json"]["get"]["responses"][200]>;
export type OpenIdConfiguration = JsonOf<paths["/.well-known/openid-configuration"]["get"]["responses"][200]>;
/** A started TOTP enrollment: the base32 `secret` and its `otpauthUri` (for a QR code), shown once. */
export type TotpEnrollment = JsonOf<paths["/users/me/mfa/totp"]["post"]["responses"][201]>;
/** TOTP is on; `recoveryCodes` (10, shown once) when it is the user's first second factor. */
export type TotpConfirmation = JsonOf<paths["/users/me/mfa/totp/confirm"]["post"]["responses"][200]>;
/** 10 new recovery codes (shown once); the older ones no longer work. */
export type RecoveryCodes = JsonOf<paths["/users/me/mfa/recovery-codes"]["post"]["responses"][200]>;
/** WebAuthn creation options (`PublicKeyCredentialCreationOptionsJSON`) with a fresh challenge, for `navigator.credentials.create()`. */
export type PasskeyCreationOptions = JsonOf<paths["/users/me/passkeys/options"]["post"]["responses"][200]>;
/** WebAuthn request options (`PublicKeyCredentialRequestOptionsJSON`) with a fresh challenge, for `navigator.credentials.get()`. */
export type PasskeyRequestOptions = JsonOf<paths["/auth/passkeys/options"]["post"]["responses"][200]>;
/** `{ passkey }`: a registered or renamed passkey. */
export type PasskeyBody = JsonOf<paths["/users/me/passkeys/{id}"]["patch"]["responses"][200]>;
/** `{ passkeys }`: the caller's passkeys, oldest first. */
export type PasskeyList = JsonOf<paths["/users/me/passkeys"]["get"]["responses"][200]>;

/** The token endpoint's answer (RFC 6749 5.1): `access_token`, `token_type`, `expires_in`, `scope`, and `refresh_token` and `id_token` when granted. */
export type TokenResponse = JsonOf<paths["/oauth2/token"]["post"]["responses"][200]>;
/** `GET /oauth2/userinfo`: `sub` and the claims of the token's scopes. */
export type Userinfo = JsonOf<paths["/oauth2/userinfo"]["get"]["responses"][200]>;
/** RFC 8414 metadata (the same as the OpenID discovery document). */
export type AuthorizationServerMetadata = JsonOf<paths["/.well-known/oauth-authorization-server"]["get"]["responses"][200]>;
/** `{ request }`: what the hosted page shows of an authorization request (`clientId`, `clientName`, `scopes`, `prompt`?, `loginHint`?). */
export type AuthorizationRequestBody = JsonOf<paths["/oauth2/requests/{requestId}"]["get"]["responses"][200]>;
/** An authorization request as the hosted page shows it. */
export type AuthorizationRequest = AuthorizationRequestBody["request"];
/** `{ redirectTo }`: where the hosted page sends the browser once it completed or cancelled a request. */
export type AuthorizationRedirect = JsonOf<paths["/oauth2/requests/{requestId}/complete"]["post"]["responses"][200]>;
/** A client registered with the OpenID provider (never its secret). */
export type OAuthClient = ClientBody["client"];
/** `{ client }` */
export type ClientBody = JsonOf<paths["/oauth2/clients/{clientId}"]["get"]["responses"][200]>;
/** `{ clients }` */
export type ClientList = JsonOf<paths["/oauth2/clients"]["get"]["responses"][200]>;
/** `{ client, clientSecret? }`: a confidential client's secret, answered once (at registration, or rotated by an update). */
export type ClientWithSecret = JsonOf<paths["/oauth2/clients"]["post"]["responses"][201]>;
export type ClientRegistrationRequest = JsonRequestOf<paths["/oauth2/clients"]["post"]>;
export type ClientUpdateRequest = JsonRequestOf<paths["/oauth2/clients/{clientId}"]["patch"]>;

/** `?limit=` (1 to 100, default 50) and `?cursor=` (the previous page's `nextCursor`). */
export type ListQuery = Query<paths["/users/me/events"]["get"]>;
/** `ListQuery` and `?email=` (exact, case-insensitive). */
export type UserListQuery = Query<paths["/users"]["get"]>;

/** `{ providers }`: the outside identity providers the API is configured with (`GET /auth/providers`). */
export type ProviderList = JsonOf<paths["/auth/providers"]["get"]["responses"][200]>;
/** An outside identity provider: `id` (for `provider` options and routes) and `name` (for "Continue with <name>"). */
export type IdentityProvider = ProviderList["providers"][number];
/** `{ identities }`: the outside accounts linked to the signed-in user. */
export type IdentityList = JsonOf<paths["/users/me/identities"]["get"]["responses"][200]>;
/** An outside account linked to the user: its `provider` id, the `email` it reported (when it did) and `linkedAt`. */
export type Identity = IdentityList["identities"][number];
/** `{ authorizeUrl }`: where the browser goes to link an identity (`POST /users/me/identities`). */
export type IdentityLinkStart = JsonOf<paths["/users/me/identities"]["post"]["responses"][200]>;
/** `{ redirectTo }`: the provider's authorization URL, for the hosted page's "Continue with <name>". */
export type ProviderRedirect = JsonOf<paths["/oauth2/requests/{requestId}/provider"]["post"]["responses"][200]>;
