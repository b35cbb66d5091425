/** The user's live sessions: sign out one device, this one, or every one. */
import type { SessionInfo } from "../../../client/src/index.js";
import { describeError, element, showSignedOut, startApp } from "../app.js";

const auth = await startApp();
const status = element("sessions-status");
const error = element("sessions-error");
const table = element<HTMLTableElement>("sessions");
const everywhere = element<HTMLButtonElement>("signout-everywhere");

function cell(row: HTMLTableRowElement, text: string): void {
  row.insertCell().textContent = text;
}

function render(sessions: SessionInfo[]): void {
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const session of sessions) {
    const row = body.insertRow();
    row.dataset.current = String(session.current);
    cell(row, (session.userAgent ?? "Unknown device") + (session.current ? " (this device)" : ""));
    cell(row, session.ipAddress ?? "—");
    cell(row, new Date(session.createdAt).toLocaleString());
    cell(row, new Date(session.lastUsedAt).toLocaleString());
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = session.current ? "Sign out this device" : "Sign out";
    if (!session.current) button.setAttribute("aria-label", `Sign out the session signed in ${new Date(session.createdAt).toLocaleString()}`);
    button.addEventListener("click", () => void act(() => (session.current ? signedOut(auth.signOut()) : auth.me.endSession(session.id).then(load))));
    row.insertCell().append(button);
  }
  table.hidden = false;
  everywhere.hidden = false;
}

async function signedOut(done: Promise<void>): Promise<void> {
  await done;
  location.assign("/signin");
}

async function act(action: () => Promise<void>): Promise<void> {
  error.textContent = "";
  try {
    await action();
  } catch (caught) {
    error.textContent = describeError(caught);
  }
}

async function load(): Promise<void> {
  if (!(await auth.getSession())) {
    showSignedOut(status);
    table.hidden = true;
    everywhere.hidden = true;
    return;
  }
  const { sessions } = await auth.me.sessions();
  render(sessions);
  status.textContent = `${sessions.length} ${sessions.length === 1 ? "session" : "sessions"}`;
}

everywhere.addEventListener("click", () => void act(() => signedOut(auth.signOut({ allSessions: true }))));
await act(load);
