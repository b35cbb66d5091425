/**
 * Which account an outside provider's identity signs in to (the contract,
 * "Outside identity providers"), as a plain function of what was read:
 *
 * | the identity is linked | provider verified the email | an account has the email | its email verified | outcome |
 * |---|---|---|---|---|
 * | to a user              | any                          | any                      | any               | sign in as that user |
 * | no                     | yes                          | yes                      | yes               | link it to that account, sign in |
 * | no                     | yes                          | yes                      | no                | account_exists: nothing linked |
 * | no                     | yes                          | no                       | -                 | a new user (verified email, no password), linked |
 * | no                     | no (or no email)             | any                      | -                 | email_not_verified: nothing created |
 *
 * Why so strict: linking by an email that either side has not verified hands
 * an account to whoever controls the unverified side (a provider that lets
 * anyone claim an address, or an attacker who registered the address here
 * first and waits: "pre-hijacking"). Linking an account whose own address is
 * unverified is refused for the second reason; the owner links while signed in.
 */
import type { ProviderIdentity } from "./relying-party.js";

export type AccountDecision =
  | { outcome: "signin"; userId: string }
  | { outcome: "link"; userId: string }
  | { outcome: "create" }
  | { outcome: "refuse"; code: "account_exists" | "email_not_verified" };

export function decideAccount(input: {
  identity: Pick<ProviderIdentity, "email" | "emailVerified">;
  /** The user the (provider, sub) is linked to. */
  linkedUserId?: string;
  /** The account that has the identity's email, if any. */
  accountWithEmail?: { userId: string; emailVerified: boolean };
}): AccountDecision {
  if (input.linkedUserId) return { outcome: "signin", userId: input.linkedUserId };
  if (!input.identity.emailVerified || !input.identity.email) return { outcome: "refuse", code: "email_not_verified" };
  if (input.accountWithEmail) {
    return input.accountWithEmail.emailVerified ? { outcome: "link", userId: input.accountWithEmail.userId } : { outcome: "refuse", code: "account_exists" };
  }
  return { outcome: "create" };
}

/** Which identity a signed-in user may link: not another user's, not a second one of a provider the user has. */
export function decideLink(input: { userId: string; linkedUserId?: string; linkedSubOfProvider?: string; sub: string }):
  | { outcome: "link" | "linked-already" }
  | { outcome: "refuse"; code: "identity_in_use" | "already_registered" } {
  if (input.linkedUserId === input.userId) return { outcome: "linked-already" };
  if (input.linkedUserId !== undefined) return { outcome: "refuse", code: "identity_in_use" };
  if (input.linkedSubOfProvider !== undefined && input.linkedSubOfProvider !== input.sub) return { outcome: "refuse", code: "already_registered" };
  return { outcome: "link" };
}
