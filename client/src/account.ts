/** Password and email routes: change, forgot, reset, verify, resend, and the confirmation of an email change. */
import type { Transport } from "./request.js";
import { callFor, ROUTES } from "./routes.js";
import type { SessionHooks } from "./session-hooks.js";
import type {
  EmailChangeConfirmRequest,
  ForgotPasswordRequest,
  MessageBody,
  PasswordChangeRequest,
  ResetPasswordRequest,
  UserBody,
  VerifyEmailRequest,
} from "./types.js";

export function accountRoutes(transport: Transport, hooks: SessionHooks) {
  return {
    /**
     * POST /auth/password. On success every session of the user ends, this
     * one included: the client forgets it; sign in again with the new password.
     */
    async changePassword(body: PasswordChangeRequest): Promise<void> {
      await transport.call<void>(callFor(ROUTES.changePassword, { body }), "bearer");
      await hooks.forget();
    },
    /** POST /auth/password/forgot: the same 202 whether or not an account has the email. */
    forgotPassword: (body: ForgotPasswordRequest) =>
      transport.call<MessageBody>(callFor(ROUTES.forgotPassword, { body }), "none"),
    /** POST /auth/password/reset with the token of the emailed link; ends every session of the user. */
    resetPassword: (body: ResetPasswordRequest) => transport.call<void>(callFor(ROUTES.resetPassword, { body }), "none"),
    /** POST /auth/email/verify with the token of the emailed link. Updates the stored user when it is the same one. */
    async verifyEmail(body: VerifyEmailRequest): Promise<UserBody> {
      const result = await transport.call<UserBody>(callFor(ROUTES.verifyEmail, { body }), "none");
      await hooks.updateUser(result.user);
      return result;
    },
    /** POST /auth/email/verify/resend: a new verification email for the signed-in user. */
    resendVerification: () => transport.call<MessageBody>(callFor(ROUTES.resendVerification), "bearer"),
    /**
     * POST /auth/email/change/confirm with the token of the link sent to the new
     * address (`<APP_URL>/confirm-email#token=…`): the account moves there,
     * verified; sessions stay. Updates the stored user when it is the same one.
     * 400 `invalid_token` (unknown, expired, used, replaced or voided), 409
     * `email_taken` (someone took the address meanwhile).
     */
    async confirmEmailChange(body: EmailChangeConfirmRequest): Promise<UserBody> {
      const result = await transport.call<UserBody>(callFor(ROUTES.confirmEmailChange, { body }), "none");
      await hooks.updateUser(result.user);
      return result;
    },
  };
}
