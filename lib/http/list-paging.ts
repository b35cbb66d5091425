/**
 * Paging of lists (users, events): the `cursor` a client sends back is the
 * previous page's DynamoDB key, sealed by list-cursor.ts with the server
 * secret's "list-cursor" key and bound to the list (`scope`) it came from.
 */
import { serverKey } from "../platform/server-secret.js";
import { decodeCursor, encodeCursor, type CursorKey } from "./list-cursor.js";

/** The key a page resumes after; 400 for a cursor this API did not issue for `scope`. */
export async function cursorKey(cursor: string | undefined, scope: string): Promise<CursorKey | undefined> {
  return cursor === undefined ? undefined : decodeCursor(cursor, scope, await serverKey("list-cursor"));
}

/** `{ nextCursor }` when the list goes on after `lastKey`, `{}` when it ends. */
export async function nextCursor(lastKey: CursorKey | undefined, scope: string): Promise<{ nextCursor?: string }> {
  return lastKey ? { nextCursor: encodeCursor(lastKey, scope, await serverKey("list-cursor")) } : {};
}
