/**
 * A signed-in user's linked identities: GET /users/me/identities, POST (starts
 * a link at the provider: the state is bound to the caller and its session;
 * the user's own email must be verified), DELETE (never the last way to sign
 * in; the condition holds in the transaction).
 */
import { auditEventPut } from "../audit/event-store.js";
import type { CallerOnDevice } from "../http/caller.js";
import { requireMultiFactor } from "../methods/mfa/step-up.js";
import { identityRemovedItems } from "../methods/providers/identity-store.js";
import { requestedProvider } from "../methods/providers/provider-config.js";
import { startProviderTrip } from "../methods/providers/provider-trip.js";
import { config } from "../platform/config.js";
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from "../platform/errors.js";
import { conditionFailedAt, isTransactionCanceled } from "../platform/dynamodb.js";
import { transactWrite } from "../platform/transactions.js";
import { requireLiveSession } from "../sessions/sessions.js";
import { USER_METHOD_FIELDS } from "../users/user-store.js";
import { existingUser } from "../users/users.js";

/** The contract's Identity. */
export interface Identity {
  provider: string;
  email?: string;
  linkedAt: string;
}

export async function listIdentities(userId: string): Promise<Identity[]> {
  const user = await existingUser(userId, USER_METHOD_FIELDS);
  return Object.entries(user.identities ?? {})
    .map(([provider, identity]) => ({ provider, ...(identity.email && { email: identity.email }), linkedAt: identity.linkedAt }))
    .sort((a, b) => a.linkedAt.localeCompare(b.linkedAt));
}

/** The app origins a link may return to: the web app's and the allowed CORS origins (never an open redirect). */
function allowedReturn(redirectUri: string): boolean {
  let origin: string;
  try {
    origin = new URL(redirectUri).origin;
  } catch {
    return false;
  }
  return origin === new URL(config.appUrl).origin || config.corsOrigins.includes(origin);
}

/**
 * Where the caller's browser goes to link `providerId`. Linking adds a way
 * in: a user with a second factor needs a multi-factor session, and the
 * session must still be live (the authorizer's answer may be cached).
 */
export async function startLink(caller: CallerOnDevice, input: { provider: string; redirectUri: string }, now = Date.now()): Promise<string> {
  const provider = requestedProvider(input.provider);
  if (!allowedReturn(input.redirectUri)) {
    throw new BadRequestError("Invalid request: redirectUri must be on the web app's origin", [{ field: "redirectUri", problem: "is not an allowed app URL" }]);
  }
  const user = await existingUser(caller.userId, USER_METHOD_FIELDS);
  await requireLiveSession(caller.sid, user, now);
  requireMultiFactor(user, caller.multiFactor);
  // Else whoever signed up with someone else's address could link their own identity and keep it past the owner's reset (pre-hijacking).
  if (!user.emailVerified) throw new ForbiddenError("Verify your email address before you connect another account", "email_not_verified");
  // prompt=login: a link sent to someone else's browser cannot ride on their open session at the provider.
  return startProviderTrip(provider, { link: { userId: caller.userId, sid: caller.sid, redirectUri: input.redirectUri } }, now, { prompt: "login" });
}

export async function unlinkIdentity(caller: CallerOnDevice, providerId: string, now = Date.now()): Promise<void> {
  const user = await existingUser(caller.userId, USER_METHOD_FIELDS);
  const identity = user.identities?.[providerId];
  if (!identity) throw new NotFoundError("No identity of this provider is linked to your account");
  try {
    await transactWrite([
      ...identityRemovedItems(user.userId, providerId, identity.sub),
      auditEventPut({ userId: user.userId, type: "identity_unlinked", at: now, method: `provider:${providerId}`, sessionId: caller.sid, ...caller.client }),
    ]);
  } catch (error) {
    if (isTransactionCanceled(error) && conditionFailedAt(error, 0)) {
      // Unlinked meanwhile, or the last way in (no password, passkey or other identity).
      const current = await existingUser(caller.userId, USER_METHOD_FIELDS);
      if (!current.identities?.[providerId]) throw new NotFoundError("No identity of this provider is linked to your account");
      throw new ConflictError("This is your only way to sign in: set a password (reset it by email) or add a passkey first", "last_sign_in_method");
    }
    throw error;
  }
}
