import { element, field, onSubmit, startApp } from "../app.js";
import { announce } from "../forms.js";

const auth = await startApp();

onSubmit(element<HTMLFormElement>("forgot-form"), async (data) => {
  const { message } = await auth.account.forgotPassword({ email: field(data, "email") });
  announce(element("forgot-result"), message);
});
