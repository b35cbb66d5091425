/**
 * The signed-in user's passkeys: registration (creation options, then the
 * browser's credential), the list, renaming and removal. Signin with a
 * passkey is on the client itself (`passkeySigninOptions`, `verifyPasskey`,
 * `signInWithPasskey`), since it makes the session.
 *
 * The ceremonies themselves run in the browser (`navigator.credentials`):
 * `passkeys-browser.ts` runs them with @simplewebauthn/browser, or pass the
 * options to `PublicKeyCredential.parseCreationOptionsFromJSON` and send
 * `credential.toJSON()`.
 *
 *   const options = await auth.passkeys.registrationOptions();
 *   const response = await startRegistration({ optionsJSON: options }); // @simplewebauthn/browser
 *   const { passkey } = await auth.passkeys.register(response, "Laptop");
 *
 * A user with a second factor needs a multi-factor session (a TOTP code, or a
 * passkey itself, at signin) to add or remove a passkey: otherwise 403
 * `mfa_required`.
 */
import type { Transport } from "./request.js";
import { callFor, ROUTES } from "./routes.js";
import type { PasskeyBody, PasskeyCreationOptions, PasskeyList, RegistrationResponseJSON } from "./types.js";

export function passkeyRoutes(transport: Transport) {
  return {
    /**
     * POST /users/me/passkeys/options: WebAuthn creation options (the JSON
     * form) with a fresh challenge, good once for 5 minutes, and the user's
     * passkeys in `excludeCredentials`.
     */
    registrationOptions: () => transport.call<PasskeyCreationOptions>(callFor(ROUTES.passkeyRegistrationOptions), "bearer"),
    /**
     * POST /users/me/passkeys: the browser's new credential (its JSON form)
     * becomes one of the user's passkeys, named `name` (default "Passkey").
     * 400 when it does not verify (start again with new options); 409
     * `already_registered` for a credential already stored.
     */
    register: (response: RegistrationResponseJSON, name?: string) =>
      transport.call<PasskeyBody>(callFor(ROUTES.registerPasskey, { body: { response, ...(name && { name }) } }), "bearer"),
    /** GET /users/me/passkeys: name, created, last used, backed up, transports; oldest first. */
    list: () => transport.call<PasskeyList>(callFor(ROUTES.listPasskeys), "bearer"),
    /** PATCH /users/me/passkeys/{id}: a new name. 404 for a passkey that is not the caller's. */
    rename: (id: string, name: string) =>
      transport.call<PasskeyBody>(callFor(ROUTES.renamePasskey, { params: { id }, body: { name } }), "bearer"),
    /** DELETE /users/me/passkeys/{id}. 409 `last_sign_in_method` when it is the user's only way to sign in. */
    remove: (id: string) => transport.call<void>(callFor(ROUTES.removePasskey, { params: { id } }), "bearer"),
  };
}
