/** A user's audit trail, newest first, a page at a time: GET /users/me/events and, for admins, /users/{id}/events. */
import { deviceName } from "../http/device-name.js";
import { NotFoundError } from "../platform/errors.js";
import { cursorKey, nextCursor } from "../http/list-paging.js";
import type { ListParams } from "../http/list-params.js";
import { getUser } from "../users/user-store.js";
import { queryEvents, type Event } from "./event-store.js";

/** The event with a person's name for its device ("Safari on iPhone"), from its stored User-Agent; absent without one. */
function withDevice(event: Event): Event {
  const device = deviceName(event.userAgent);
  return device ? { ...event, device } : event;
}

/**
 * The events of a deleted account stay readable by an admin until they
 * expire: with `mustExist`, an id with neither a user nor events is a 404.
 */
export async function listEvents(userId: string, params: ListParams, options: { mustExist: boolean }, now = Date.now()) {
  const scope = `events:${userId}`;
  const startKey = await cursorKey(params.cursor, scope);
  const [page, user] = await Promise.all([
    queryEvents(userId, params.limit, now, startKey),
    options.mustExist && startKey === undefined ? getUser(userId, ["pk"]) : undefined,
  ]);
  if (options.mustExist && startKey === undefined && !user && page.events.length === 0) throw new NotFoundError("User not found");
  return { events: page.events.map(withDevice), ...(await nextCursor(page.lastKey, scope)) };
}
