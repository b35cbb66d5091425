import { describeError, element, showSignedOut, onSubmit, startApp } from "../app.js";

const auth = await startApp();
const status = element("profile-status");

async function show(): Promise<void> {
  if (!(await auth.getSession())) {
    showSignedOut(status);
    return;
  }
  try {
    const { user } = await auth.me.get();
    element("profile-email").textContent = user.email;
    element("profile-verified").textContent = user.emailVerified ? "yes" : "no";
    element("profile-username").textContent = user.username ?? "—";
    element("profile-name").textContent = user.name ?? "—";
    element("profile-roles").textContent = user.roles.join(", ");
    element("profile-created").textContent = new Date(user.createdAt).toLocaleString();
    element("profile").hidden = false;
    element("resend-form").hidden = user.emailVerified;
    status.textContent = "";
  } catch (error) {
    status.textContent = describeError(error);
  }
}

onSubmit(element<HTMLFormElement>("resend-form"), async () => {
  const { message } = await auth.account.resendVerification();
  status.textContent = message;
});

await show();
