/** The user's live sessions, one card each (readable on a phone): sign out one device, this one, or every one. */
import { SessionEndedError, type SessionInfo } from "@lambda-auth-api/client";
import { describeError, element, startApp } from "../app.js";
import { detailsList, deviceName, timeElement, userAgentDetails } from "../devices.js";
import { announce, focusOn } from "../forms.js";

const auth = await startApp("protected");
const status = element("sessions-status");
const error = element("sessions-error");
const list = element<HTMLUListElement>("sessions");
const everywhere = element<HTMLButtonElement>("signout-everywhere");

function card(session: SessionInfo): HTMLLIElement {
  const item = document.createElement("li");
  item.dataset.current = String(session.current);
  item.dataset.id = session.id;
  const name = deviceName(session);
  const heading = document.createElement("h2");
  heading.textContent = name;
  if (session.current) {
    const badge = document.createElement("span");
    badge.className = "current-badge";
    badge.textContent = " (this device)";
    heading.append(badge);
  }
  item.append(
    heading,
    detailsList([
      ["IP address", session.ipAddress ?? "—"],
      ["Signed in", timeElement(session.createdAt)],
      ["Last used", timeElement(session.lastUsedAt)],
    ]),
  );
  const details = userAgentDetails(session.userAgent);
  if (details) item.append(details);
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = session.current ? "Sign out this device" : "Sign out";
  if (!session.current) button.setAttribute("aria-label", `Sign out ${name}, signed in ${new Date(session.createdAt).toLocaleString()}`);
  button.addEventListener("click", () =>
    void act(async () => {
      if (session.current) return signedOut(auth.signOut());
      await auth.me.endSession(session.id);
      await load();
      announce(status, `${name} is signed out. ${status.textContent}`);
    }),
  );
  item.append(button);
  return item;
}

function render(sessions: SessionInfo[]): void {
  list.replaceChildren(...sessions.map(card));
  list.hidden = false;
  everywhere.hidden = false;
}

async function signedOut(done: Promise<void>): Promise<void> {
  await done;
  location.assign("/signin");
}

/** Runs `action`; a failure is said (and focused, after a click). */
async function act(action: () => Promise<void>, focus = true): Promise<void> {
  error.textContent = "";
  try {
    await action();
  } catch (caught) {
    status.textContent = "";
    // An ended session: the app shows the signed-out page and its notice instead.
    if (caught instanceof SessionEndedError) return;
    error.textContent = describeError(caught);
    if (focus) focusOn(error);
  }
}

async function load(): Promise<void> {
  const { sessions } = await auth.me.sessions();
  render(sessions);
  status.textContent = `${sessions.length} ${sessions.length === 1 ? "session" : "sessions"}`;
}

everywhere.addEventListener("click", () => void act(() => signedOut(auth.signOut({ allSessions: true }))));
if (await auth.getSession()) await act(load, false);
