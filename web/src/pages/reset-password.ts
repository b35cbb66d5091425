/** The emailed link `/reset-password#token=...`: the token leaves the address bar before anything else runs. */
import { element, onSubmit, startApp, takeFragmentToken } from "../app.js";
import { focusOn } from "../forms.js";

const token = takeFragmentToken();
const auth = await startApp();
const form = element<HTMLFormElement>("reset-form");

if (!token) {
  element("reset-error").textContent = "This link has no token. Open the link from the email again, or ask for a new one.";
  form.querySelector("button")!.disabled = true;
}

onSubmit(form, async (data) => {
  await auth.account.resetPassword({ token: token ?? "", newPassword: String(data.get("newPassword") ?? "") });
  form.hidden = true;
  const result = element("reset-result");
  result.textContent = "Your password was reset and every session ended. ";
  const link = document.createElement("a");
  link.href = "/signin";
  link.textContent = "Sign in with your new password";
  result.append(link);
  focusOn(result);
});
