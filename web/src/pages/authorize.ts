/**
 * The hosted sign-in page, where /oauth2/authorize sends the browser
 * (`/authorize?request=<requestId>`) when another app signs a user in
 * through the API: "Sign in to <client name>", then
 * - when this app holds a live session and the client did not ask for
 *   `prompt=login`: one click on "Continue" (single sign-on);
 * - otherwise the sign-in form (sign-in-form.ts: password and second step,
 *   or a passkey), the email pre-filled from the client's `login_hint`;
 * then the request is completed with that session and the browser goes to
 * the client with the code. "Cancel" sends it back with
 * `error=access_denied`. The session is the app's own (JSON routes,
 * localStorage): signing in here signs in at the app, and the other way round.
 *
 * Or "Continue with <name>", one button per outside provider: the request
 * goes on at the provider, whose callback (at the API) ends it with a code
 * for the client. A user with a second factor comes back here after the
 * provider, at `/authorize?request=<id>#mfaToken=...&factors=...`: the
 * second step (code, recovery code or passkey), then the request is completed
 * as after a password. A provider sign-in that failed before the request was
 * known comes back as `/authorize?error=invalid_state` (or another of the
 * callback's codes), said in words with its code.
 */
import {
  ForbiddenError,
  NotFoundError,
  SessionEndedError,
  type AuthorizationRequest,
  type IdentityProvider,
  type MfaFactor,
  type StoredSession,
} from "@lambda-auth-api/client";
import { describeError, element, onClickToLeave, startApp } from "../app.js";
import { listProviders, providerErrorMessage, showProviderButtons } from "../providers.js";
import { mountSignInForm, type SecondStep, type SignInForm } from "../sign-in-form.js";

const FACTORS: readonly MfaFactor[] = ["totp", "recovery_code", "passkey"];

/**
 * The second step an outside provider's sign-in left in the fragment
 * (`#mfaToken=...&factors=totp,recovery_code,passkey`), taken out of the
 * address bar and the history at once, as an emailed link's token is.
 */
function takeSecondStep(): SecondStep | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  const mfaToken = fragment.get("mfaToken");
  if (!mfaToken) return undefined;
  const named = (fragment.get("factors") ?? "").split(",").filter((factor): factor is MfaFactor => FACTORS.includes(factor as MfaFactor));
  return { mfaToken, factors: named.length > 0 ? named : ["totp", "recovery_code"] };
}

const providerStep = takeSecondStep();
const query = new URLSearchParams(location.search);
const requestId = query.get("request") ?? "";
/** The code a provider sign-in failed with (`?error=`). */
const failure = query.get("error") || undefined;

const auth = await startApp();
const providers = listProviders(auth);
const heading = element("heading");
const requestError = element("request-error");
/** Once loaded. */
let request: AuthorizationRequest | undefined;
let shown: "continue" | "signin" | undefined;
/** The sign-in form, once shown. */
let form: SignInForm | undefined;

/**
 * Shows one view (a template's copy; none: only the heading and message)
 * and moves focus to the heading, so that a screen reader reads where the
 * page is now.
 */
function show(view: typeof shown, title: string, message = ""): void {
  shown = view;
  const template = view && element<HTMLTemplateElement>(`${view}-template`);
  element("view").replaceChildren(template ? template.content.cloneNode(true) : "");
  heading.textContent = title;
  requestError.textContent = message;
  heading.focus();
}

function showGone(): void {
  element("cancel-block").hidden = true;
  if (failure) return showFailure();
  show(undefined, "This sign-in has expired", "It is unknown, over 10 minutes old, or already finished. Go back to the app you came from and sign in again.");
}

/** A provider sign-in that failed, with no request left to sign in to. */
function showFailure(): void {
  element("cancel-block").hidden = true;
  show(undefined, "Sign-in failed", providerErrorMessage(failure ?? "invalid_state"));
}

function showContinue(session: StoredSession): void {
  show("continue", `Sign in to ${request?.clientName}`);
  element("continue-who").textContent = `You are signed in as ${session.user.email}.`;
  onClickToLeave(element<HTMLButtonElement>("continue"), requestError, complete);
  element("another-account").addEventListener("click", () => showForm());
}

function showForm(message = ""): void {
  // Once: the form's passkey autofill, once started, belongs to it.
  if (shown === "signin") {
    requestError.textContent = message;
    return;
  }
  show("signin", `Sign in to ${request?.clientName}`, message);
  if (request?.loginHint) element<HTMLInputElement>("identifier").value = request.loginHint;
  form = mountSignInForm(auth, () => void complete().catch((error: unknown) => (requestError.textContent = describeError(error))));
  const signinError = element("signin-error");
  void providers.then((list) => showProviderButtons(element("providers-block"), element("provider-list"), signinError, list, continueWith));
}

/** "Continue with <name>": the request goes on at the provider. */
async function continueWith(provider: IdentityProvider): Promise<void> {
  try {
    const { redirectTo } = await auth.authorization.withProvider(requestId, provider.id);
    location.assign(redirectTo);
  } catch (error) {
    if (error instanceof NotFoundError) return showGone();
    throw error;
  }
}

/** With the session the app holds now: to the client with the code. */
async function complete(): Promise<void> {
  try {
    const { redirectTo } = await auth.authorization.complete(requestId);
    location.assign(redirectTo);
  } catch (error) {
    if (error instanceof NotFoundError) return showGone();
    // The session ended meanwhile, or is one the API does not take here (an OAuth client's): a new sign-in will do.
    if (error instanceof SessionEndedError || error instanceof ForbiddenError) return showForm("Please sign in again to continue.");
    throw error;
  }
}

/** The session the app holds, once the API said it still works (it may have been ended elsewhere, by a client's logout say). */
async function liveSession(): Promise<StoredSession | null> {
  if (!(await auth.getSession())) return null;
  try {
    await auth.me.get();
  } catch (error) {
    if (error instanceof SessionEndedError) return null;
    throw error;
  }
  return auth.getSession();
}

async function load(): Promise<void> {
  try {
    ({ request } = await auth.authorization.get(requestId));
    document.title = `Sign in to ${request.clientName} · Auth API example`;
    element("cancel-block").hidden = false;
    if (providerStep) {
      // Signed in at the provider; the second factor is left.
      showForm();
      form?.startSecondStep(providerStep);
      return;
    }
    // After a failed provider sign-in: the form, with what went wrong.
    if (failure) return showForm(providerErrorMessage(failure));
    const session = request.prompt === "login" ? null : await liveSession();
    if (session) showContinue(session);
    else showForm();
  } catch (error) {
    if (error instanceof NotFoundError) return showGone();
    show(undefined, "Sign in", describeError(error));
  }
}

onClickToLeave(element<HTMLButtonElement>("cancel"), requestError, async () => {
  try {
    const { redirectTo } = await auth.authorization.cancel(requestId);
    location.assign(redirectTo);
  } catch (error) {
    if (error instanceof NotFoundError) return showGone();
    throw error;
  }
});

if (requestId) await load();
else if (failure) showFailure();
else showGone();
