/** The emailed link `/verify-email#token=...`: the token leaves the address bar before anything else runs. */
import { describeError, element, startApp, takeFragmentToken } from "../app.js";

const token = takeFragmentToken();
const auth = await startApp();
const result = element("verify-result");

if (!token) {
  result.textContent = "";
  element("verify-error").textContent = "This link has no token. Open the link from the email again.";
} else {
  try {
    const { user } = await auth.account.verifyEmail({ token });
    result.textContent = `Your email address ${user.email} is verified.`;
  } catch (error) {
    result.textContent = "";
    element("verify-error").textContent = describeError(error);
  }
}
