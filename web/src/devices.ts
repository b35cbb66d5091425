/** How a session's or an event's device is named: the API's friendly name ("Chrome on macOS"), never the raw User-Agent. */
export function deviceName(item: { device?: string; userAgent?: string }): string {
  return item.device?.trim() || "Unknown device";
}

/** A date and time as this browser's locale writes it, in a <time> element. */
export function timeElement(iso: string): HTMLTimeElement {
  const time = document.createElement("time");
  time.dateTime = iso;
  time.textContent = new Date(iso).toLocaleString();
  return time;
}

/** A <dl> of label and value pairs (a value may be an element). */
export function detailsList(pairs: [string, string | Node][]): HTMLDListElement {
  const list = document.createElement("dl");
  for (const [term, value] of pairs) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.append(value);
    list.append(dt, dd);
  }
  return list;
}

/** The raw User-Agent, folded away under "Browser details" (for support, not as the device's name). */
export function userAgentDetails(userAgent: string | undefined): HTMLDetailsElement | undefined {
  if (!userAgent) return undefined;
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = "Browser details";
  const text = document.createElement("p");
  text.className = "user-agent";
  text.textContent = userAgent;
  details.append(summary, text);
  return details;
}
