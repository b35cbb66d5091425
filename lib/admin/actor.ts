/**
 * Who changes an account, and the rule that keeps a stage administrable.
 *
 * The self-protection rule: through the admin routes an admin cannot remove
 * their own admin role, disable themselves or delete themselves (409), and an
 * admin cannot delete their own account through DELETE /users/me either (409)
 * until another admin has removed their admin role. So an admin only ever
 * loses the role, the account or access through the act of another enabled
 * admin, who is checked in the same transaction (account-writes.ts): the API
 * can never leave a stage without an enabled admin. (`npm run grant-role`
 * remains the operator's way in regardless.)
 */
import type { AuditEvent, EventType } from "../audit/event-store.js";
import type { ClientInfo } from "../http/client-info.js";
import { ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError } from "../platform/errors.js";

/** Who acts: the caller as the authorizer verified it, and their device. */
export interface Actor {
  userId: string;
  sid: string;
  client: ClientInfo;
}

export function selfProtection(): ConflictError {
  return new ConflictError(
    "An admin cannot remove their own admin role, disable or delete their own account, or reset their own second factor; another admin must do it",
    "self_protection",
  );
}

/** The event that records `actor`'s change to `userId`'s account. */
export function actorEvent(userId: string, type: EventType, actor: Actor, now: number): AuditEvent {
  // The session that made the change, when it is the user's own (another admin's session means nothing to them).
  return { userId, type, at: now, ...(actor.userId === userId && { sessionId: actor.sid }), ...actor.client };
}

/** Why an account write did not happen. */
export type WriteOutcome = "done" | "no-user" | "actor-not-admin" | "changed";

/** The answer for a write that did not happen. */
export function failed(outcome: WriteOutcome): never {
  if (outcome === "no-user") throw new NotFoundError("User not found");
  if (outcome === "actor-not-admin") throw new ForbiddenError("You do not have the role this route requires");
  throw new ServiceUnavailableError();
}
