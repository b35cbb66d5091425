/**
 * What every way to sign in yields when it has proved who the user is: the
 * user, and how (the session's `amr`, the signin event's `method`). Signin's
 * pipeline (accounts/signin.ts) takes it from there.
 */
import type { Authentication } from "../sessions/sessions.js";
import type { UserRecord } from "../users/user-store.js";
import type { Attempt } from "./lockout/attempts.js";

export interface FirstFactor {
  user: UserRecord;
  authentication: Authentication;
  /** The lockout attempt a checked secret was reserved under: its failures are forgotten once the signin completes. */
  attempt?: Attempt;
}
