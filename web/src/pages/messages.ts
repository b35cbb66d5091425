/** The four messages, each with what the API answered: 200, 401 or 403. */
import { SessionEndedError } from "@lambda-auth-api/client";
import { describeError, element, startApp } from "../app.js";

const auth = await startApp();
const MESSAGES = ["public", "protected", "moderator", "admin"] as const;

async function read(name: (typeof MESSAGES)[number]): Promise<void> {
  const row = element(`message-${name}`);
  const status = row.querySelector(".status")!;
  const text = row.querySelector(".text")!;
  try {
    const path = `/messages/${name}`;
    // Signed out, the request goes without a token, to show what the API answers then.
    const response = (await auth.getSession()) ? await auth.authFetch(path) : await fetch(auth.baseUrl + path);
    const body = (await response.json().catch(() => ({}))) as { text?: string; message?: string };
    status.textContent = String(response.status);
    text.textContent = body.text ?? body.message ?? "";
  } catch (error) {
    status.textContent = error instanceof SessionEndedError ? "401" : "—";
    text.textContent = describeError(error);
  }
}

async function readAll(): Promise<void> {
  await Promise.all(MESSAGES.map(read));
  document.body.dataset.loaded = "true";
}

element("reload-messages").addEventListener("click", () => {
  delete document.body.dataset.loaded;
  void readAll();
});
await readAll();
