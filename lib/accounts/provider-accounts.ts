/**
 * The accounts side of an outside provider's sign-in and of linking one
 * (methods/providers/ decides; this writes): the account an identity signs
 * in to, linked now or created now, each in one transaction with its claims
 * and events (a condition that fails in a race writes nothing, and the
 * caller reports a refusal); and the identity routes of a
 * signed-in user (list, link, unlink).
 */
import { randomUUID } from "node:crypto";
import { auditEventPut } from "../audit/event-store.js";
import type { ClientInfo } from "../http/client-info.js";
import { decideAccount, decideLink } from "../methods/providers/account-rules.js";
import { identityAddedUpdate, identityClaimPut, linkedUserId } from "../methods/providers/identity-store.js";
import type { ProviderConfig } from "../methods/providers/provider-config.js";
import type { ProviderIdentity } from "../methods/providers/relying-party.js";
import { writeIfCondition } from "../platform/transactions.js";
import { getSession } from "../sessions/session-store.js";
import { isLive } from "../sessions/sessions.js";
import { normalizeEmail } from "../users/email-address.js";
import { NAME_MAX } from "../http/checker.js";
import { findUserIdByEmail, getUser, userCreateItems, USER_METHOD_FIELDS, type LinkedIdentity, type UserRecord } from "../users/user-store.js";

export type ProviderRefusal = "account_exists" | "email_not_verified" | "identity_in_use" | "already_registered" | "account_disabled" | "session_ended";

/** What a provider's answer comes to: the user to sign in, or the contract's refusal. */
export type ProviderAccount = { user: UserRecord } | { refused: ProviderRefusal };

const linkedIdentity = (identity: ProviderIdentity, now: number): LinkedIdentity => ({
  sub: identity.sub,
  ...(identity.email && { email: identity.email }),
  linkedAt: new Date(now).toISOString(),
});

/** The account a provider's identity signs in to, by the rules of account-rules.ts. */
export async function accountForIdentity(provider: ProviderConfig, identity: ProviderIdentity, now: number, client: ClientInfo): Promise<ProviderAccount> {
  const linked = await linkedUserId(provider.id, identity.sub);
  const email = identity.email ? normalizeEmail(identity.email) : undefined;
  const owner = !linked && email ? await findUserIdByEmail(email) : undefined;
  const accountWithEmail = owner ? await getUser(owner, USER_METHOD_FIELDS) : undefined;
  const decision = decideAccount({
    identity,
    ...(linked && { linkedUserId: linked }),
    ...(accountWithEmail && { accountWithEmail: { userId: accountWithEmail.userId, emailVerified: accountWithEmail.emailVerified === true } }),
  });
  const event = (type: "identity_linked" | "signup", userId: string) => auditEventPut({ userId, type, at: now, method: `provider:${provider.id}`, ...client });

  switch (decision.outcome) {
    case "refuse":
      return { refused: decision.code };
    case "signin": {
      const user = await getUser(decision.userId, USER_METHOD_FIELDS);
      return user ? { user } : { refused: "account_exists" };
    }
    case "link": {
      const user = accountWithEmail!;
      // A disabled account links nothing: the sign-in pipeline refuses it with account_disabled.
      if (user.disabled) return { user };
      // Linking adds a way in, which a user with a second factor adds only from a multi-factor session (the profile).
      if (user.mfaEnabled) return { refused: "account_exists" };
      const added = linkedIdentity(identity, now);
      const ok = await writeIfCondition(
        identityClaimPut(provider.id, identity.sub, user.userId),
        identityAddedUpdate(user, provider.id, added),
        event("identity_linked", user.userId),
      );
      // Linked meanwhile (another tab's callback) or the user has another identity of this provider: nothing written.
      return ok ? { user: { ...user, identities: { ...user.identities, [provider.id]: added } } } : { refused: "account_exists" };
    }
    case "create": {
      const user: UserRecord = {
        userId: randomUUID(),
        email: email!,
        emailVerified: true,
        ...(identity.name && { name: [...identity.name].slice(0, NAME_MAX).join("") }),
        roles: ["user"],
        createdAt: new Date(now).toISOString(),
        identities: { [provider.id]: linkedIdentity(identity, now) },
      };
      const ok = await writeIfCondition(
        identityClaimPut(provider.id, identity.sub, user.userId),
        ...userCreateItems(user),
        event("signup", user.userId),
        event("identity_linked", user.userId),
      );
      // The email was taken (or the identity linked) by a racing request: its owner signs in by the rules next time.
      return ok ? { user: { ...user, passwordless: true } } : { refused: "account_exists" };
    }
  }
}

/**
 * A signed-in user's link: the identity joins the user unless it is another
 * user's, and only while the session that asked for it lives (a signout
 * while the browser was at the provider ends the link too).
 */
export async function linkIdentity(
  provider: ProviderConfig,
  identity: ProviderIdentity,
  link: { userId: string; sid: string },
  now: number,
  client: ClientInfo,
): Promise<{ linked: true } | { refused: ProviderRefusal }> {
  const userId = link.userId;
  const [linked, user, session] = await Promise.all([linkedUserId(provider.id, identity.sub), getUser(userId, USER_METHOD_FIELDS), getSession(link.sid)]);
  if (!user) return { refused: "account_exists" };
  if (user.disabled) return { refused: "account_disabled" };
  if (!user.emailVerified) return { refused: "email_not_verified" };
  if (!session || session.userId !== userId || !isLive(session, user, now)) return { refused: "session_ended" };
  const decision = decideLink({
    userId,
    sub: identity.sub,
    ...(linked && { linkedUserId: linked }),
    ...(user.identities?.[provider.id] && { linkedSubOfProvider: user.identities[provider.id]!.sub }),
  });
  if (decision.outcome === "refuse") return { refused: decision.code };
  if (decision.outcome === "linked-already") return { linked: true };
  const ok = await writeIfCondition(
    identityClaimPut(provider.id, identity.sub, userId),
    identityAddedUpdate(user, provider.id, linkedIdentity(identity, now)),
    auditEventPut({ userId, type: "identity_linked", at: now, method: `provider:${provider.id}`, ...client }),
  );
  return ok ? { linked: true } : { refused: "identity_in_use" };
}
