/**
 * The redirect URI of the app's OpenID client `web` (`<APP_URL>/callback`):
 * the provider sends the browser here with a code (or an error) at the end
 * of a redirect sign-in; the client library checks and exchanges it, and the
 * app is signed in with the tokens it got.
 */
import { describeError, element, startApp } from "../app.js";

// The code and state leave the address bar and the history at once, as an emailed link's token does.
const answer = location.href;
history.replaceState(null, "", location.pathname);

const auth = await startApp();
try {
  const previous = await auth.getSession();
  await auth.handleRedirectCallback(answer);
  // The session the hosted page signed in with is replaced by this one: end it, so that none lingers unseen.
  if (previous) await auth.signOut({ refreshToken: previous.refreshToken }).catch(() => undefined);
  location.replace("/profile");
} catch (error) {
  element("heading").textContent = "Sign-in failed";
  element("callback-error").textContent = describeError(error);
  element("retry").hidden = false;
  element("heading").focus();
}
