/**
 * Sign in, in one step, or two for a user with a second factor: after the
 * password the API asks for a code (403 `mfa_required`), from the
 * authenticator app or, instead, one of the recovery codes.
 */
import { AuthApiError, type MfaFactor, type SigninResult } from "../../../client/src/index.js";
import { element, field, onSubmit, startApp } from "../app.js";

const auth = await startApp();
const signinForm = element<HTMLFormElement>("signin-form");
const mfaForm = element<HTMLFormElement>("mfa-form");
const codeInput = element<HTMLInputElement>("mfa-code");
const switchButton = element<HTMLButtonElement>("mfa-switch");

/** The second step in progress: its token and the factor the code is of. */
let step: { mfaToken: string; factors: MfaFactor[]; factor: "totp" | "recovery_code" } | undefined;

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

function showFactor(factor: "totp" | "recovery_code"): void {
  if (!step) return;
  step.factor = factor;
  const text = FACTOR_TEXT[factor];
  element("mfa-code-label").textContent = text.label;
  element("mfa-hint").textContent = text.hint;
  codeInput.inputMode = text.inputMode;
  codeInput.autocomplete = text.autocomplete;
  codeInput.value = "";
  element("mfa-error").textContent = "";
  const other = factor === "totp" ? "recovery_code" : "totp";
  switchButton.textContent = text.other;
  switchButton.hidden = !step.factors.includes(other);
  codeInput.focus();
}

function startSecondStep(result: Extract<SigninResult, { status: "mfa-required" }>): void {
  step = { mfaToken: result.mfaToken, factors: result.factors, factor: "totp" };
  signinForm.hidden = true;
  mfaForm.hidden = false;
  showFactor(result.factors.includes("totp") ? "totp" : "recovery_code");
}

/** Back to the password (the second step's token expired or had too many wrong codes). */
function restart(message: string): void {
  step = undefined;
  mfaForm.hidden = true;
  signinForm.hidden = false;
  element<HTMLInputElement>("password").value = "";
  element("signin-error").textContent = message;
  element<HTMLInputElement>("password").focus();
}

onSubmit(signinForm, async (data) => {
  const identifier = field(data, "identifier");
  const password = String(data.get("password") ?? "");
  const result = await auth.signIn(identifier.includes("@") ? { email: identifier, password } : { username: identifier, password });
  if (result.status === "mfa-required") startSecondStep(result);
  else location.assign("/profile");
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
  location.assign("/profile");
});

switchButton.addEventListener("click", () => showFactor(step?.factor === "totp" ? "recovery_code" : "totp"));
