/** Change the password: every session ends, so this device signs in again with the new one. */
import { element, onSubmit, replacingSession, showNotice, startApp } from "../app.js";
import { announce, focusOn } from "../forms.js";

const auth = await startApp("protected");
const form = element<HTMLFormElement>("password-form");
const result = element("password-result");
const session = await auth.getSession();

if (session && !session.user.hasPassword) {
  // Signed in through a connected account or a passkey: there is no current password to give.
  form.hidden = true;
  const link = document.createElement("a");
  link.href = "/profile";
  link.textContent = "your profile";
  result.replaceChildren("Your account has no password yet. To set one, ask for the email link on ", link, ".");
}

onSubmit(form, async (data) => {
  const current = await auth.getSession();
  if (!current) return;
  const newPassword = String(data.get("newPassword") ?? "");
  // The change ends this session too; the page signs in again at once, and stays meanwhile.
  const signin = await replacingSession(async () => {
    await auth.account.changePassword({ currentPassword: String(data.get("currentPassword") ?? ""), newPassword });
    return auth.signIn({ email: current.user.email, password: newPassword });
  });
  form.reset();
  if (signin.status === "mfa-required") {
    // A second factor: this device is signed out until the sign-in page has the code (the page now says so).
    showNotice("Password changed, and every session ended. Sign in again with your new password and your second factor.", { signIn: true });
    focusOn(element("notice"));
    return;
  }
  announce(result, "Password changed. Your other devices were signed out.");
});
