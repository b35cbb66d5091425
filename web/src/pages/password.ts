/** Change the password: every session ends, so this device signs in again with the new one. */
import { SessionEndedError } from "../../../client/src/index.js";
import { element, onSubmit, startApp } from "../app.js";

const auth = await startApp();

onSubmit(element<HTMLFormElement>("password-form"), async (data) => {
  const session = await auth.getSession();
  if (!session) throw new SessionEndedError("Sign in first.");
  const newPassword = String(data.get("newPassword") ?? "");
  await auth.account.changePassword({ currentPassword: String(data.get("currentPassword") ?? ""), newPassword });
  await auth.signIn({ email: session.user.email, password: newPassword });
  element<HTMLFormElement>("password-form").reset();
  element("password-result").textContent = "Password changed. Your other devices were signed out.";
});
