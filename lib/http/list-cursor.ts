/**
 * The `cursor` of paginated lists: opaque to clients and tamper-evident. It is
 * the DynamoDB LastEvaluatedKey of the previous page, base64url JSON, followed
 * by an HMAC-SHA256 over the list it belongs to and that key, with the
 * server-secret key "list-cursor". A forged or altered cursor, or one taken
 * from another list (another user's events, the users list), fails the HMAC
 * and is answered with 400 before anything is read.
 *
 *   cursor = base64url(JSON(key)) "." base64url(HMAC(secret, scope "\n" base64url(JSON(key))))
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { BadRequestError } from "../platform/errors.js";

export type CursorKey = Record<string, string>;

/** Longer than any key this API writes (three short strings), short enough to refuse junk early. */
export const CURSOR_MAX_LENGTH = 1024;

const INVALID_CURSOR = "Invalid request: cursor is not one this API issued for this list";

const mac = (secret: Buffer, scope: string, payload: string) =>
  createHmac("sha256", secret).update(`${scope}\n${payload}`).digest();

/** The cursor that resumes `scope` after `key`. */
export function encodeCursor(key: CursorKey, scope: string, secret: Buffer): string {
  const payload = Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
  return `${payload}.${mac(secret, scope, payload).toString("base64url")}`;
}

function invalid(): never {
  throw new BadRequestError(INVALID_CURSOR, [{ field: "cursor", problem: "is not valid for this list" }]);
}

/** The key a cursor of `scope` resumes after; 400 for anything this API did not issue for that list. */
export function decodeCursor(cursor: string, scope: string, secret: Buffer): CursorKey {
  if (cursor.length > CURSOR_MAX_LENGTH) invalid();
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(cursor);
  if (!match) invalid();
  const [, payload, signature] = match as unknown as [string, string, string];
  const given = Buffer.from(signature, "base64url");
  const expected = mac(secret, scope, payload);
  // Canonical base64url only: a signature with other trailing bits would decode to the same bytes.
  if (given.toString("base64url") !== signature || !timingSafeEqual(given, expected)) invalid();
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    invalid();
  }
  // Signed by us, so this holds; checked anyway because a bug elsewhere must not reach DynamoDB as input.
  if (typeof key !== "object" || key === null || Array.isArray(key)) invalid();
  if (!Object.values(key).every((value) => typeof value === "string")) invalid();
  return key as CursorKey;
}
