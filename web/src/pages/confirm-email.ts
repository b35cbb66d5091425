/**
 * The emailed link `/confirm-email#token=...` of an email change: the token
 * leaves the address bar before anything else runs, and the account moves
 * only on a click, never on load: a mail scanner that runs scripts, or a
 * victim sent a link to an attacker's change, does not move an account by
 * opening the link.
 */
import { element, startApp, takeFragmentToken } from "../app.js";
import { describeError } from "../errors.js";
import { announce } from "../forms.js";

const token = takeFragmentToken();
const auth = await startApp();
const result = element("confirm-result");
const button = element<HTMLButtonElement>("confirm-button");

async function confirm(token: string): Promise<void> {
  button.disabled = true;
  element("confirm-error").textContent = "";
  try {
    const { user } = await auth.account.confirmEmailChange({ token });
    button.hidden = true;
    element("confirm-intro").hidden = true;
    announce(result, `Your email address is now ${user.email}. Sign in with it from now on.`);
    element("confirm-next").hidden = !(await auth.getSession());
  } catch (error) {
    button.disabled = false;
    announce(element("confirm-error"), describeError(error));
  }
}

if (!token) {
  element("confirm-intro").hidden = true;
  element("confirm-error").textContent = "This link has no token. Open the link from the email again.";
} else {
  button.hidden = false;
  button.addEventListener("click", () => void confirm(token));
}
