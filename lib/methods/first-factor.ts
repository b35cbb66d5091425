/**
 * What every way to sign in yields when it has proved who the user is: the
 * user, and how (the session's `amr`, the signin event's `method`). Signin's
 * pipeline (accounts/signin.ts) takes it from there.
 */
import type { Authentication } from "../sessions/sessions.js";
import type { UserRecord } from "../users/user-store.js";

export interface FirstFactor {
  user: UserRecord;
  authentication: Authentication;
}
