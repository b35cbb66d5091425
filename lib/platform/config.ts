/**
 * Configuration read once from the environment at cold start. Every value has
 * a safe default except the table names and the token keys, which the
 * deployment (serverless.yml) or `npm start` provides.
 */
const env = process.env;

function positiveInt(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

function nonNegativeInt(name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) throw new Error(`${name} must be an integer from 0 to ${max}`);
  return value;
}

function intInRange(name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

/**
 * The WebAuthn relying party: WEBAUTHN_RP_ID (default: APP_URL's host name)
 * and the origins passkeys may be used from, WEBAUTHN_ORIGINS (default:
 * APP_URL's origin). Every origin's host must be the RP ID or end in
 * ".<RP ID>" (a registrable suffix), over https unless it is localhost:
 * otherwise no browser would use the passkeys, and the function refuses to start.
 */
function webauthn(appUrl: string): { rpId: string; origins: string[] } {
  const app = new URL(appUrl);
  const rpId = (env.WEBAUTHN_RP_ID || app.hostname).toLowerCase();
  const origins = (env.WEBAUTHN_ORIGINS || app.origin).split(",").map((origin) => origin.trim()).filter(Boolean);
  // A domain name of at least two labels (or localhost): browsers refuse an IP address or a bare top-level domain.
  if (rpId !== "localhost" && (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(rpId) || /^[0-9.]+$/.test(rpId))) {
    throw new Error(`WEBAUTHN_RP_ID ${rpId} must be a domain name (like example.com) or localhost`);
  }
  for (const origin of origins) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new Error(`WEBAUTHN_ORIGINS: ${origin} is not an origin`);
    }
    if (url.origin !== origin) throw new Error(`WEBAUTHN_ORIGINS: ${origin} must be an origin (scheme, host and port only)`);
    if (url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`)) {
      throw new Error(`WEBAUTHN_RP_ID ${rpId} is not a registrable suffix of the origin ${origin}`);
    }
    if (url.protocol !== "https:" && url.hostname !== "localhost") throw new Error(`WEBAUTHN_ORIGINS: ${origin} must be https (or localhost)`);
  }
  return { rpId, origins };
}

const DEFAULT_ROLE_PERMISSIONS = {
  moderator: ["read:moderator-messages"],
  admin: ["read:moderator-messages", "read:admin-messages"],
};

/** ROLE_PERMISSIONS: JSON, role -> permission strings. Malformed, the function refuses to start. */
function rolePermissions(): Readonly<Record<string, readonly string[]>> {
  const raw = env.ROLE_PERMISSIONS;
  if (raw === undefined || raw.trim() === "") return DEFAULT_ROLE_PERMISSIONS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error("ROLE_PERMISSIONS must be JSON: an object of role -> array of permission strings");
  }
  const valid =
    typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) &&
    Object.values(parsed).every((list) => Array.isArray(list) && list.every((item) => typeof item === "string" && item !== ""));
  if (!valid) throw new Error("ROLE_PERMISSIONS must be an object of role -> array of permission strings");
  return parsed as Record<string, string[]>;
}

export const config = Object.freeze({
  usersTable: env.USERS_TABLE ?? "auth-users",
  sessionsTable: env.SESSIONS_TABLE ?? "auth-sessions",
  eventsTable: env.EVENTS_TABLE ?? "auth-events",
  auditEventTtlDays: positiveInt("AUDIT_EVENT_TTL_DAYS", 90),
  /** Set locally to DynamoDB Local's URL; unset in AWS. */
  dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
  /** The API's base URL (`iss`): serverless.yml builds it from the REST API id unless ISSUER_URL names a custom domain. */
  issuer: (env.ISSUER_URL || "http://localhost:3000").replace(/\/+$/, ""),
  audience: env.JWT_AUDIENCE || "lambda-auth-api",
  accessTokenTtlSeconds: positiveInt("ACCESS_TOKEN_TTL_SECONDS", 15 * 60),
  /** The `client_id` of tokens issued by the JSON routes (/auth/signin, ...): the built-in first-party client. */
  firstPartyClientId: env.FIRST_PARTY_CLIENT_ID || "first-party",
  /**
   * The OAuth client id of the example web app that hosts the sign-in page
   * (`npm start` registers it as `web`): its sessions, like those of the JSON
   * routes, are the browser's own, which the hosted page reuses for single sign-on.
   */
  webClientId: env.WEB_CLIENT_ID || "web",
  /** How long an authorization code may wait for its exchange: a redirect and one back-channel call (the contract: 60 s). */
  authorizationCodeTtlSeconds: intInRange("AUTHORIZATION_CODE_TTL_SECONDS", 60, 1, 600),
  /** Which permissions each role grants; access tokens carry the union for the user's roles (`permissions`). */
  rolePermissions: rolePermissions(),
  refreshTokenTtlSeconds: positiveInt("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 60 * 60),
  /** The absolute lifetime of a session from its signin, however often it refreshes (the contract: 90 days). */
  sessionMaxAgeSeconds: positiveInt("SESSION_MAX_AGE_SECONDS", 90 * 24 * 60 * 60),
  /** How long a container keeps a key set before re-reading it (how soon it learns of a rotation). */
  keySetReloadSeconds: positiveInt("KEY_SET_RELOAD_SECONDS", 300),
  /** Cache-Control max-age of the JWK Set and discovery document; at most an hour (the contract). */
  jwksMaxAgeSeconds: Math.min(positiveInt("JWKS_MAX_AGE_SECONDS", 600), 3600),
  /**
   * How long the refresh token rotated away last still refreshes (to the same
   * next token) instead of counting as reuse: concurrent tabs, lost responses.
   * 0 is strict. Capped: a long window is a long time for a stolen token to go unnoticed.
   */
  refreshReuseGraceSeconds: nonNegativeInt("REFRESH_REUSE_GRACE_SECONDS", 10, 300),
  /**
   * bcrypt's work factor. Below 10 is too cheap against offline guessing; above 15
   * a signin costs seconds of Lambda CPU (each step doubles it). Out of range, refuse to start.
   */
  bcryptCost: intInRange("BCRYPT_COST", 12, 10, 15),
  corsOrigins: (env.CORS_ORIGINS || "http://localhost:4040")
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean),
  // ---- email (account recovery and verification) ----
  /** Where the web app that handles the links in emails lives (`/verify-email`, `/reset-password`). */
  appUrl: (env.APP_URL || "http://localhost:4040").replace(/\/+$/, ""),
  appName: env.APP_NAME || "Auth API",
  /** The WebAuthn relying party ID and the origins passkeys are used from (`webauthn` above). */
  webauthn: webauthn(env.APP_URL || "http://localhost:4040"),
  /** The sender, an address of an identity verified in Amazon SES. */
  mailFrom: env.MAIL_FROM || "no-reply@example.com",
  /**
   * MFA_REQUIRED_ROLES (comma-separated, default none; `admin` recommended):
   * a route that needs one of these roles answers 403 mfa_required to a
   * session that is not multi-factor.
   */
  mfaRequiredRoles: (env.MFA_REQUIRED_ROLES || "")
    .split(",")
    .map((role) => role.trim())
    .filter(Boolean),
  /** Signin of an unverified account answers 403, signup returns no session. */
  requireVerifiedEmail: env.REQUIRE_VERIFIED_EMAIL === "true",
  resetTokenTtlSeconds: positiveInt("RESET_TOKEN_TTL_SECONDS", 30 * 60),
  verificationTokenTtlSeconds: positiveInt("VERIFICATION_TOKEN_TTL_SECONDS", 24 * 60 * 60),
  /** Forgot-password emails per address. */
  emailLimitPerMinute: positiveInt("EMAIL_LIMIT_PER_MINUTE", 1),
  emailLimitPerHour: positiveInt("EMAIL_LIMIT_PER_HOUR", 5),
  /** Verification emails per address (signup, resend, email change together): one resend right after signup still goes out. */
  verificationEmailLimitPerMinute: positiveInt("VERIFICATION_EMAIL_LIMIT_PER_MINUTE", 2),
  verificationEmailLimitPerHour: positiveInt("VERIFICATION_EMAIL_LIMIT_PER_HOUR", 5),
  /** The function that sends every email, invoked asynchronously (Lambda retries it, then dead-letters). */
  mailerFunctionName: env.MAILER_FUNCTION_NAME || "auth-api-local-mailer",
  /** Set locally: the local SES engine (aws-ses-v2-local) and serverless offline's Lambda port. */
  sesEndpoint: env.SES_ENDPOINT || undefined,
  lambdaEndpoint: env.LAMBDA_ENDPOINT || undefined,
});
