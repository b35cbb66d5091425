/** Sign up; with a session at once (no verified email required), on to `?next=` or the profile. */
import { element, field, onSubmit, startApp } from "../app.js";
import { announce } from "../forms.js";
import { returnPath } from "../return-to.js";

const auth = await startApp("guest");
const form = element<HTMLFormElement>("signup-form");

onSubmit(form, async (data) => {
  const username = field(data, "username");
  const name = field(data, "name");
  const result = await auth.signUp({
    email: field(data, "email"),
    password: String(data.get("password") ?? ""),
    ...(username ? { username } : {}),
    ...(name ? { name } : {}),
  });
  if ("accessToken" in result) {
    location.assign(returnPath());
  } else {
    form.hidden = true;
    announce(element("signup-result"), "Account created. Open the link in the email we sent you, then sign in.");
  }
});
