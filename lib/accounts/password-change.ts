/** POST /auth/password: a new password, given the current one; every session of the user ends. */
import { auditEventPut } from "../audit/event-store.js";
import type { ClientInfo } from "../http/client-info.js";
import { enqueueMailAfterChange } from "../mail/queue.js";
import { requireMultiFactor } from "../methods/mfa/step-up.js";
import { confirmCurrentPassword } from "../methods/password/password-check.js";
import { hashPassword, requireAcceptableNewPassword } from "../methods/password/password.js";
import { writeItem } from "../platform/transactions.js";
import { passwordSetUpdate } from "../users/credential-store.js";
import type { PasswordChangeInput } from "./input.js";

/** Changes the password and ends every session of the user, the caller's own included. */
export async function changePassword(
  userId: string,
  input: PasswordChangeInput,
  now = Date.now(),
  origin: { sid?: string; client?: ClientInfo; multiFactor?: boolean } = {},
): Promise<void> {
  await confirmCurrentPassword(userId, input.currentPassword, now, {
    client: origin.client,
    before: (user) => {
      requireMultiFactor(user, origin.multiFactor === true);
      requireAcceptableNewPassword(input.newPassword, { email: user.email, username: user.username });
    },
  });
  const event = { userId, type: "password_changed" as const, at: now, ...(origin.sid && { sessionId: origin.sid }), ...origin.client };
  await writeItem(passwordSetUpdate(userId, await hashPassword(input.newPassword), now), auditEventPut(event));
  // The update set the user-level mark: every session ends, at the authorizer too (session-check.ts).
  await enqueueMailAfterChange({ type: "password-changed", userId }, now);
}
