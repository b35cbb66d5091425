import { element, field, onSubmit, startApp } from "../app.js";

const auth = await startApp();

onSubmit(element<HTMLFormElement>("signup-form"), async (data) => {
  const username = field(data, "username");
  const name = field(data, "name");
  const result = await auth.signUp({
    email: field(data, "email"),
    password: String(data.get("password") ?? ""),
    ...(username ? { username } : {}),
    ...(name ? { name } : {}),
  });
  if ("accessToken" in result) {
    location.assign("/profile");
  } else {
    element("signup-result").textContent = "Account created. Open the link in the email we sent you, then sign in.";
  }
});
