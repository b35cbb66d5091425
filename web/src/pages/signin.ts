/**
 * The app's own sign-in page: the JSON routes (sign-in-form.ts), or the
 * sign-in other apps make here, as the app's own OpenID client `web`:
 * through the hosted page and back at /callback. "Continue with <name>"
 * (one button per outside provider) is that redirect sign-in too, straight
 * to the provider (`provider`), and back at /callback. Once signed in, on to
 * `?next=` (a path of this app only) or the profile; a signed-in user who
 * opens this page goes there at once.
 */
import { element, onClickToLeave, startApp } from "../app.js";
import { listProviders, showProviderButtons } from "../providers.js";
import { keepReturnPath, returnPath } from "../return-to.js";
import { mountSignInForm } from "../sign-in-form.js";

const auth = await startApp("guest");
const redirectUri = `${location.origin}/callback`;
mountSignInForm(auth, () => location.assign(returnPath()));
onClickToLeave(element<HTMLButtonElement>("redirect-signin"), element("redirect-error"), () => {
  keepReturnPath();
  return auth.signInWithRedirect({ redirectUri });
});
showProviderButtons(element("providers-block"), element("provider-list"), element("signin-error"), await listProviders(auth), (provider) => {
  keepReturnPath();
  return auth.signInWithRedirect({ redirectUri, provider: provider.id });
});
