/** The user's own account events, newest first, a page at a time ("Show older activity" follows `nextCursor`). */
import { SessionEndedError, type Event, type IdentityProvider } from "@lambda-auth-api/client";
import { describeError, element, startApp } from "../app.js";
import { detailsList, deviceName, timeElement, userAgentDetails } from "../devices.js";
import { eventText } from "../events.js";
import { focusOn } from "../forms.js";
import { listProviders } from "../providers.js";

const PAGE_SIZE = 20;
const auth = await startApp("protected");
const status = element("activity-status");
const error = element("activity-error");
const list = element<HTMLOListElement>("events");
const more = element<HTMLButtonElement>("more-events");
let providers: IdentityProvider[] = [];
let cursor: string | undefined;
let shown = 0;

const providerName = (id: string) => providers.find((provider) => provider.id === id)?.name ?? id;

function card(event: Event): HTMLLIElement {
  const item = document.createElement("li");
  item.dataset.type = event.type;
  const title = document.createElement("h2");
  title.textContent = eventText(event, providerName);
  item.append(
    title,
    detailsList([
      ["When", timeElement(event.at)],
      ["Device", deviceName(event)],
      ["IP address", event.ipAddress ?? "—"],
    ]),
  );
  const details = userAgentDetails(event.userAgent);
  if (details) item.append(details);
  return item;
}

/** The next page of events, appended; focus moves to the first new one after "Show older activity". */
async function loadPage(focusNew: boolean): Promise<void> {
  error.textContent = "";
  more.setAttribute("aria-disabled", "true");
  try {
    const page = await auth.me.events({ limit: PAGE_SIZE, ...(cursor && { cursor }) });
    const cards = page.events.map(card);
    list.append(...cards);
    shown += cards.length;
    cursor = page.nextCursor;
    list.hidden = shown === 0;
    more.hidden = !cursor;
    status.textContent = shown === 0 ? "No activity yet." : `${shown} ${shown === 1 ? "event" : "events"} shown${cursor ? "; older ones follow" : ""}.`;
    const firstNew = cards[0]?.querySelector("h2");
    if (focusNew && firstNew) focusOn(firstNew);
  } catch (caught) {
    status.textContent = "";
    // An ended session: the app shows the signed-out page instead.
    if (caught instanceof SessionEndedError) return;
    error.textContent = describeError(caught);
    if (focusNew) focusOn(error);
  } finally {
    more.removeAttribute("aria-disabled");
  }
}

more.addEventListener("click", () => {
  if (more.getAttribute("aria-disabled") !== "true") void loadPage(true);
});

if (await auth.getSession()) {
  providers = await listProviders(auth);
  await loadPage(false);
}
