/**
 * The app's own sign-in page: the JSON routes (sign-in-form.ts), or the
 * sign-in other apps make here, as the app's own OpenID client `web`:
 * through the hosted page and back at /callback.
 */
import { element, onClickToLeave, startApp } from "../app.js";
import { mountSignInForm } from "../sign-in-form.js";

const auth = await startApp();
mountSignInForm(auth, () => location.assign("/profile"));
onClickToLeave(element<HTMLButtonElement>("redirect-signin"), element("redirect-error"), () =>
  auth.signInWithRedirect({ redirectUri: `${location.origin}/callback` }),
);
