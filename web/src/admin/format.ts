/** How the admin pages write users, events and clients into tables and lists. */
import type { Event, User } from "@lambda-auth-api/client";
import { eventText } from "../events.js";

export const when = (iso: string) => new Date(iso).toLocaleString();

/** "Alice Liddell (alice)", "alice", "Alice Liddell", or "—". */
export function nameAndUsername(user: Pick<User, "name" | "username">): string {
  if (user.name && user.username) return `${user.name} (${user.username})`;
  return user.name || user.username || "—";
}

export const rolesText = (roles: string[]) => (roles.length ? roles.join(", ") : "none");

export const accountState = (user: Pick<User, "disabled">) => (user.disabled ? "Disabled" : "Active");

/**
 * A cell of a table whose rows become blocks on a narrow screen (admin.css):
 * `label` is its column's name, shown before the value there.
 */
export function addCell(row: HTMLTableRowElement, label: string, content: string | Node): HTMLTableCellElement {
  const cell = row.insertCell();
  cell.dataset.label = label;
  cell.append(content);
  return cell;
}


/** A list of short items (URIs, grants), or "none". */
export function itemList(items: string[]): Node {
  if (items.length === 0) return document.createTextNode("none");
  const list = document.createElement("ul");
  list.className = "plain";
  for (const item of items) {
    const entry = document.createElement("li");
    entry.textContent = item;
    list.append(entry);
  }
  return list;
}

/** What happened ("Signed in with a passkey"), and through which OAuth client when the event names one. */
export function describeEvent(event: Event): string {
  const text = eventText(event);
  return event.clientId ? `${text} (through client ${event.clientId})` : text;
}
