/**
 * The signed-in user's second factor: TOTP (an authenticator app) and the
 * recovery codes that back it. The second step of signin is `verifyMfa` on the
 * client itself, since it makes the session.
 *
 *   const { otpauthUri, secret } = await auth.mfa.enrollTotp();  // show a QR code of otpauthUri, and secret
 *   const { recoveryCodes } = await auth.mfa.confirmTotp("123456"); // the first factor: 10 codes, shown once
 *
 * The calls that take a code answer a wrong one with 401 `invalid_mfa_code`
 * (an `UnauthorizedError`), which is not retried: a code's time step works once.
 */
import type { Transport } from "./request.js";
import { callFor, ROUTES } from "./routes.js";
import type { SessionHooks } from "./session-hooks.js";
import type { MfaStatus, RecoveryCodes, TotpConfirmation, TotpEnrollment } from "./types.js";

export function mfaRoutes(transport: Transport, hooks: SessionHooks) {
  return {
    /** GET /users/me/mfa: whether TOTP is on (and since when), the number of passkeys, the recovery codes left. */
    status: () => transport.call<MfaStatus>(callFor(ROUTES.getMfaStatus), "bearer"),
    /**
     * POST /users/me/mfa/totp: starts an enrollment (a new one replaces one
     * not yet confirmed) and answers the base32 `secret` and its `otpauthUri`,
     * shown this once. 409 `mfa_already_enabled` when TOTP is on; 403
     * `mfa_required` when the user has a second factor and this session is
     * not multi-factor.
     */
    enrollTotp: () => transport.call<TotpEnrollment>(callFor(ROUTES.enrollTotp), "bearer"),
    /**
     * POST /users/me/mfa/totp/confirm with a current code of the new secret:
     * TOTP is on from now on. The user's first second factor also answers 10
     * `recoveryCodes` (shown once). 409 `no_pending_enrollment` without
     * `enrollTotp` first.
     */
    async confirmTotp(code: string): Promise<TotpConfirmation> {
      const result = await transport.call<TotpConfirmation>(callFor(ROUTES.confirmTotp, { body: { code } }), "bearer");
      await hooks.patchUser({ mfaEnabled: true });
      return result;
    },
    /** DELETE /users/me/mfa/totp with a current TOTP or recovery code: TOTP is off, and without another second factor the recovery codes are gone too. */
    async removeTotp(code: string): Promise<void> {
      await transport.call<void>(callFor(ROUTES.removeTotp, { body: { code } }), "bearer");
      await hooks.patchUser({ mfaEnabled: false });
    },
    /** POST /users/me/mfa/recovery-codes with a current TOTP or recovery code: 10 new codes (shown once); the old ones stop working. */
    regenerateRecoveryCodes: (code: string) =>
      transport.call<RecoveryCodes>(callFor(ROUTES.regenerateRecoveryCodes, { body: { code } }), "bearer"),
  };
}
