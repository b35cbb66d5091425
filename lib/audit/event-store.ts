/**
 * The only writer of audit events, one table (EVENTS_TABLE):
 *
 *   pk = USER#<userId>, sk = <ISO time>#<random>   one security event of the user (expires)
 *
 * The sort key makes a Query newest first with ScanIndexForward = false.
 * Events are written in the same transaction as the change they record where
 * DynamoDB allows: `auditEventPut` is the transaction item for that.
 */
import { randomBytes } from "node:crypto";
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { ClientInfo } from "../http/client-info.js";
import { config } from "../platform/config.js";
import { documentClient, guarded } from "../platform/dynamodb.js";

export const EVENT_TYPES = [
  "signup",
  "signin",
  "signin_failed",
  "locked_out",
  "refresh_reuse_detected",
  "signout",
  "session_revoked",
  "password_changed",
  "password_reset_requested",
  "password_reset",
  "email_verified",
  "roles_changed",
  "disabled",
  "enabled",
  "account_deleted",
  "mfa_enabled",
  "mfa_disabled",
  "mfa_failed",
  "recovery_code_used",
  "recovery_codes_regenerated",
  "mfa_reset",
  "passkey_added",
  "passkey_removed",
  "identity_linked",
  "identity_unlinked",
  // The owner changed their name or username (PATCH /users/me); asked to move the account to another
  // email address (the link was sent); and moved it (the link was opened).
  "profile_updated",
  "email_change_requested",
  "email_changed",
  // The user was moved in by `npm run import-users` (import/importer.ts), with its password hash when it had one.
  "imported",
  // An OAuth client got a session through the authorization code flow; a code presented twice ended it.
  "client_authorized",
  "code_reuse_detected",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What a change records: who it happened to, what, when, and from where. Never a secret. */
export interface AuditEvent extends ClientInfo {
  userId: string;
  type: EventType;
  /** Epoch ms. */
  at: number;
  sessionId?: string;
  /** How a `signin` proved who the user is: `password` (later `passkey`, `provider:<id>`). */
  method?: string;
  /** The OAuth client a `client_authorized` or `code_reuse_detected` concerns. */
  clientId?: string;
}

const events = config.eventsTable;

/** The item of an event (for a transaction, or a put of its own). */
export function auditEventItem(event: AuditEvent): Record<string, unknown> {
  const at = new Date(event.at).toISOString();
  return {
    pk: `USER#${event.userId}`,
    sk: `${at}#${randomBytes(6).toString("base64url")}`,
    type: event.type,
    at,
    ...(event.sessionId && { sessionId: event.sessionId }),
    ...(event.method && { method: event.method }),
    ...(event.clientId && { clientId: event.clientId }),
    ...(event.ipAddress && { ipAddress: event.ipAddress }),
    ...(event.userAgent && { userAgent: event.userAgent }),
    expiresAt: Math.floor(event.at / 1000) + config.auditEventTtlDays * 24 * 60 * 60,
  };
}

/** The TransactWriteItems entry that records `event` with the change it belongs to. */
export function auditEventPut(event: AuditEvent) {
  return { Put: { TableName: events, Item: auditEventItem(event) } };
}

/** Records an event on its own, where no transaction can carry it (say why at the call). */
export async function recordAuditEvent(event: AuditEvent): Promise<void> {
  await guarded(() => documentClient.send(new PutCommand({ TableName: events, Item: auditEventItem(event) })));
}

/** The contract's Event: what a client may see of one. */
export interface Event {
  type: string;
  at: string;
  sessionId?: string;
  method?: string;
  clientId?: string;
  ipAddress?: string;
  userAgent?: string;
  /** A person's name for the device ("Chrome on macOS"): not stored, named from `userAgent` when listed (event-list.ts). */
  device?: string;
}

function toEvent(item: Record<string, unknown>): Event {
  return {
    type: String(item.type),
    at: String(item.at),
    ...(typeof item.sessionId === "string" && { sessionId: item.sessionId }),
    ...(typeof item.method === "string" && { method: item.method }),
    ...(typeof item.clientId === "string" && { clientId: item.clientId }),
    ...(typeof item.ipAddress === "string" && { ipAddress: item.ipAddress }),
    ...(typeof item.userAgent === "string" && { userAgent: item.userAgent }),
  };
}

/**
 * One page of a user's events, newest first. Expired events are left out here:
 * TTL deletes them late (DynamoDB Local never), so the filter keeps retention exact.
 * It reads one event past the page, so that a last page that is exactly full
 * ends the list (DynamoDB names a LastEvaluatedKey whenever it stops at Limit).
 */
export async function queryEvents(
  userId: string,
  limit: number,
  now: number,
  startKey?: Record<string, string>,
): Promise<{ events: Event[]; lastKey?: Record<string, string> }> {
  const page = await guarded(() =>
    documentClient.send(
      new QueryCommand({
        TableName: events,
        KeyConditionExpression: "pk = :pk",
        FilterExpression: "expiresAt > :now",
        ExpressionAttributeValues: { ":pk": `USER#${userId}`, ":now": Math.floor(now / 1000) },
        ScanIndexForward: false,
        Limit: limit + 1,
        ExclusiveStartKey: startKey,
      }),
    ),
  );
  const items = page.Items ?? [];
  if (items.length <= limit) return { events: items.map(toEvent), lastKey: page.LastEvaluatedKey as Record<string, string> | undefined };
  const shown = items.slice(0, limit);
  const last = shown.at(-1)!;
  return { events: shown.map(toEvent), lastKey: { pk: String(last.pk), sk: String(last.sk) } };
}
