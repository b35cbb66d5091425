/** Change the password: every session ends, so this device signs in again with the new one. */
import { SessionEndedError } from "../../../client/src/index.js";
import { element, onSubmit, startApp } from "../app.js";

const auth = await startApp();

onSubmit(element<HTMLFormElement>("password-form"), async (data) => {
  const session = await auth.getSession();
  if (!session) throw new SessionEndedError("Sign in first.");
  const newPassword = String(data.get("newPassword") ?? "");
  await auth.account.changePassword({ currentPassword: String(data.get("currentPassword") ?? ""), newPassword });
  const signin = await auth.signIn({ email: session.user.email, password: newPassword });
  element<HTMLFormElement>("password-form").reset();
  const result = element("password-result");
  result.textContent = "Password changed. Your other devices were signed out.";
  if (signin.status === "mfa-required") {
    // A second factor: the signin page asks for the code.
    const link = document.createElement("a");
    link.href = "/signin";
    link.textContent = "Sign in with your new password";
    result.append(" ", link);
  }
});
