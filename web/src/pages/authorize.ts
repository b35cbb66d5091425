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
 */
import { ForbiddenError, NotFoundError, SessionEndedError, type AuthorizationRequest, type StoredSession } from "../../../client/src/index.js";
import { describeError, element, onClickToLeave, startApp } from "../app.js";
import { mountSignInForm } from "../sign-in-form.js";

const auth = await startApp();
const requestId = new URLSearchParams(location.search).get("request") ?? "";
const heading = element("heading");
const requestError = element("request-error");
/** Once loaded. */
let request: AuthorizationRequest | undefined;
let shown: "continue" | "signin" | undefined;

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
  show(undefined, "This sign-in has expired", "It is unknown, over 10 minutes old, or already finished. Go back to the app you came from and sign in again.");
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
  mountSignInForm(auth, () => void complete().catch((error: unknown) => (requestError.textContent = describeError(error))));
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
else showGone();
