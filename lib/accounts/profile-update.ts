/**
 * PATCH /users/me: the caller changes their own name and/or username. A new
 * username moves its uniqueness claim in the same transaction as the user
 * item and the `profile_updated` event (users/profile-store.ts): the old
 * username is free for anyone at once, and a taken one is 409
 * `username_taken` with nothing written. Neither can be removed (the contract's
 * body is strings only); an empty body or a field the route does not take is
 * 400, so that a typo (`{ "userName": ... }`) is not a silent no-op.
 */
import { auditEventPut } from "../audit/event-store.js";
import type { CallerOnDevice } from "../http/caller.js";
import { conditionFailedAt, isTransactionCanceled } from "../platform/dynamodb.js";
import { ConflictError, ServiceUnavailableError } from "../platform/errors.js";
import { transactWrite } from "../platform/transactions.js";
import { profileUpdateItems } from "../users/profile-store.js";
import { USER_FIELDS } from "../users/user-store.js";
import { existingUser, toUser, type User } from "../users/users.js";
import type { ProfileUpdateInput } from "./input.js";

const usernameTaken = () => new ConflictError("That username is taken", "username_taken");

/** Applies the change (retrying when the user item changed between read and write); answers the updated user. */
export async function updateProfile(caller: CallerOnDevice, input: ProfileUpdateInput, now = Date.now()): Promise<User> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const user = await existingUser(caller.userId, USER_FIELDS);
    const { items, claimAt } = profileUpdateItems(user, input);
    const event = auditEventPut({ userId: user.userId, type: "profile_updated", at: now, sessionId: caller.sid, ...caller.client });
    try {
      await transactWrite([...items, event]);
      return toUser({ ...user, ...input });
    } catch (error) {
      if (!isTransactionCanceled(error)) throw error;
      if (claimAt !== undefined && conditionFailedAt(error, claimAt)) throw usernameTaken();
      // The user item changed since it was read (another change of the username): read it again.
      if (!conditionFailedAt(error, items.length - 1)) throw error;
    }
  }
  throw new ServiceUnavailableError();
}
