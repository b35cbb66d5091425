/**
 * The redirect URI of the app's OpenID client `web` (`<APP_URL>/callback`):
 * the provider sends the browser here with a code (or an error) at the end
 * of a redirect sign-in; the client library checks and exchanges it, and the
 * app is signed in with the tokens it got. A sign-in through an outside
 * provider that the API refused comes back with `error=access_denied` and
 * `error_description=<code>: <text>` (`account_exists`, `email_not_verified`,
 * `identity_in_use`, `account_disabled`, `invalid_state`): said in words, with the code.
 */
import { AuthorizationError } from "@lambda-auth-api/client";
import { describeError, element, startApp } from "../app.js";
import { providerCodeOf, providerErrorMessage } from "../providers.js";
import { takeKeptReturnPath } from "../return-to.js";

/** What to tell the user: the provider's refusal in words, or the general message. */
function failureMessage(error: unknown): string {
  if (error instanceof AuthorizationError && error.code === "access_denied") {
    const code = providerCodeOf(error.message);
    if (code) return providerErrorMessage(code);
  }
  return describeError(error);
}

// The code and state leave the address bar and the history at once, as an emailed link's token does.
const answer = location.href;
history.replaceState(null, "", location.pathname);

const auth = await startApp();
try {
  const previous = await auth.getSession();
  await auth.handleRedirectCallback(answer);
  // The session the hosted page signed in with is replaced by this one: end it, so that none lingers unseen.
  if (previous) await auth.signOut({ refreshToken: previous.refreshToken }).catch(() => undefined);
  location.replace(takeKeptReturnPath());
} catch (error) {
  element("heading").textContent = "Sign-in failed";
  element("callback-error").textContent = failureMessage(error);
  element("retry").hidden = false;
  element("heading").focus();
}
