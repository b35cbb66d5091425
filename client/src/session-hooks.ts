/** What route functions may do to the locally held session after a call that changed it on the server. */
import type { User } from "./types.js";

export interface SessionHooks {
  /** Forgets the local session (the server ended it at our own request). */
  forget(): Promise<void>;
  /** Forgets the local session when it is the one with this `sid`. */
  forgetIfCurrent(sid: string): Promise<void>;
  /** Replaces the stored user when the stored session belongs to them. */
  updateUser(user: User): Promise<void>;
  /** Changes fields of the stored user (a change the caller made to itself that the API answered without the user). */
  patchUser(patch: Partial<User>): Promise<void>;
}
