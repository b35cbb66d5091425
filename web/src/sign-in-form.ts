/**
 * The sign-in form that the app's sign-in page and the hosted sign-in page
 * share (the same element ids in both): in one step, or two for a user with
 * a second factor: after the password the API asks for a code (403
 * `mfa_required`), from the authenticator app or, instead, one of the
 * recovery codes, or a passkey. The same second step follows a sign-in at an
 * outside provider (the hosted page starts it with `startSecondStep`).
 *
 * Or with a passkey and no password: the "Sign in with a passkey" button, or
 * the browser's autofill, which lists the user's passkeys among the
 * suggestions of the email field (conditional mediation, started when the
 * form is shown where the browser supports it). The button's ceremony
 * replaces the autofill's; the autofill starts again when the button's ends
 * without a session.
 */
import { AuthApiError, type AuthClient, type MfaFactor, type SigninResult } from "@lambda-auth-api/client";
import {
  passkeyAutofillSupported,
  passkeyErrorMessage,
  passkeysSupported,
  signInWithPasskey,
  startPasskeyAutofill,
} from "@lambda-auth-api/client/passkeys-browser";
import { describeError, element, field, onSubmit } from "./app.js";

const FACTOR_TEXT = {
  totp: {
    label: "Code",
    hint: "The 6-digit code your authenticator app shows now.",
    inputMode: "numeric",
    autocomplete: "one-time-code",
    other: "Use a recovery code instead",
  },
  recovery_code: {
    label: "Recovery code",
    hint: "One of the recovery codes you saved when you set up the authenticator app. Each works once.",
    inputMode: "text",
    autocomplete: "off",
    other: "Use your authenticator app instead",
  },
} as const;

/** The second step a sign-in asks for: its token and the user's factors. */
export type SecondStep = Pick<Extract<SigninResult, { status: "mfa-required" }>, "mfaToken" | "factors">;

/** What the page may do with a mounted form. */
export interface SignInForm {
  /**
   * Shows the second step for a sign-in made elsewhere (an outside
   * provider's, which came back with `#mfaToken=...&factors=...`): the same
   * step as after a password, which ends in `onSignedIn`.
   */
  startSecondStep(step: SecondStep): void;
}

/**
 * Wires the form up and starts the passkey autofill; `onSignedIn` runs once
 * the client holds the new session.
 */
export function mountSignInForm(auth: AuthClient, onSignedIn: () => void): SignInForm {
  const signinForm = element<HTMLFormElement>("signin-form");
  const signinError = element("signin-error");
  const passwordInput = element<HTMLInputElement>("password");
  const mfaForm = element<HTMLFormElement>("mfa-form");
  const mfaError = element("mfa-error");
  const codeInput = element<HTMLInputElement>("mfa-code");
  const switchButton = element<HTMLButtonElement>("mfa-switch");
  const passkeyButton = element<HTMLButtonElement>("passkey-signin");
  const mfaPasskeyButton = element<HTMLButtonElement>("mfa-passkey");
  /** Passkey autofill, while the form offers it. */
  let autofill: ReturnType<typeof startPasskeyAutofill> | undefined;
  /** The second step in progress: its token, the factor the code is of, and what the first step was. */
  let step: { mfaToken: string; factors: MfaFactor[]; factor: "totp" | "recovery_code"; after: "password" | "provider" } | undefined;

  function showFactor(factor: "totp" | "recovery_code"): void {
    if (!step) return;
    step.factor = factor;
    const text = FACTOR_TEXT[factor];
    element("mfa-code-label").textContent = text.label;
    element("mfa-hint").textContent = text.hint;
    codeInput.inputMode = text.inputMode;
    codeInput.autocomplete = text.autocomplete;
    codeInput.value = "";
    mfaError.textContent = "";
    const other = factor === "totp" ? "recovery_code" : "totp";
    switchButton.textContent = text.other;
    switchButton.hidden = !step.factors.includes(other);
    codeInput.focus();
  }

  function startSecondStep(result: SecondStep, after: "password" | "provider" = "password"): void {
    step = { mfaToken: result.mfaToken, factors: result.factors, factor: "totp", after };
    // The email field is gone: so is its autofill.
    autofill?.stop();
    autofill = undefined;
    signinForm.hidden = true;
    mfaForm.hidden = false;
    mfaPasskeyButton.hidden = !result.factors.includes("passkey") || !passkeysSupported();
    showFactor(result.factors.includes("totp") ? "totp" : "recovery_code");
  }

  /** Back to the first step (the second step's token expired or had too many wrong codes). */
  function restart(message: string): void {
    // After a provider, the user may have no password: the first step is any way to sign in.
    if (step?.after === "provider") message = "This sign-in attempt expired or had too many wrong codes. Please sign in again.";
    step = undefined;
    mfaForm.hidden = true;
    signinForm.hidden = false;
    passwordInput.value = "";
    signinError.textContent = message;
    passwordInput.focus();
    startAutofill();
  }

  /**
   * Runs a passkey ceremony from a button: the button disabled meanwhile, a
   * failure in `error` (a cancelled dialog too: the user may try again).
   */
  async function passkeyCeremony(button: HTMLButtonElement, error: HTMLElement, run: () => Promise<unknown>): Promise<boolean> {
    error.textContent = "";
    button.disabled = true;
    try {
      await run();
      return true;
    } catch (caught) {
      error.textContent = passkeyErrorMessage(caught) ?? describeError(caught);
      return false;
    } finally {
      button.disabled = false;
    }
  }

  function startAutofill(): void {
    if (autofill) return autofill.restart();
    void passkeyAutofillSupported().then((supported) => {
      if (!supported || step || autofill) return;
      autofill = startPasskeyAutofill(auth, {
        onSignedIn,
        onError: (caught) => {
          signinError.textContent = passkeyErrorMessage(caught) ?? describeError(caught);
        },
      });
    });
  }

  onSubmit(signinForm, async (data) => {
    const identifier = field(data, "identifier");
    const password = String(data.get("password") ?? "");
    const result = await auth.signIn(identifier.includes("@") ? { email: identifier, password } : { username: identifier, password });
    if (result.status === "mfa-required") startSecondStep(result);
    else onSignedIn();
  });

  onSubmit(mfaForm, async (data) => {
    if (!step) return;
    try {
      await auth.verifyMfa({ mfaToken: step.mfaToken, factor: step.factor, code: field(data, "code") });
    } catch (error) {
      if (error instanceof AuthApiError && error.code === "mfa_token_invalid") {
        restart("This sign-in attempt expired or had too many wrong codes. Enter your password again.");
        return;
      }
      codeInput.select();
      throw error;
    }
    onSignedIn();
  });

  switchButton.addEventListener("click", () => showFactor(step?.factor === "totp" ? "recovery_code" : "totp"));

  passkeyButton.addEventListener("click", () => {
    void passkeyCeremony(passkeyButton, signinError, () => signInWithPasskey(auth)).then((done) => {
      if (done) onSignedIn();
      // The button's ceremony replaced the autofill's: offer the autofill again.
      else startAutofill();
    });
  });

  mfaPasskeyButton.addEventListener("click", () => {
    if (!step) return;
    const { mfaToken } = step;
    void passkeyCeremony(mfaPasskeyButton, mfaError, async () => {
      try {
        await signInWithPasskey(auth, { mfaToken });
      } catch (error) {
        if (error instanceof AuthApiError && error.code === "mfa_token_invalid") {
          restart("This sign-in attempt expired. Enter your password again.");
          return;
        }
        throw error;
      }
      onSignedIn();
    });
  });

  if (passkeysSupported()) {
    element("passkey-signin-block").hidden = false;
    startAutofill();
  }
  return { startSecondStep: (result) => startSecondStep(result, "provider") };
}
