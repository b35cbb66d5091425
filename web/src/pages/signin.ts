import { element, field, onSubmit, startApp } from "../app.js";

const auth = await startApp();

onSubmit(element<HTMLFormElement>("signin-form"), async (data) => {
  const identifier = field(data, "identifier");
  const password = String(data.get("password") ?? "");
  await auth.signIn(identifier.includes("@") ? { email: identifier, password } : { username: identifier, password });
  location.assign("/profile");
});
