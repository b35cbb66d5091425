// Paging ends where the list ends: an exactly full last page carries no
// nextCursor (DynamoDB itself names a LastEvaluatedKey whenever it stops at Limit).
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { queryEvents, recordAuditEvent } from "../../lib/audit/event-store.js";

describe("a page of events", () => {
  it("has a next page only while events remain, also when the last page is exactly full", async () => {
    const userId = randomUUID();
    const now = Date.now();
    for (let i = 0; i < 6; i++) await recordAuditEvent({ userId, type: "signin", at: now - i * 1000 });
    const first = await queryEvents(userId, 3, now);
    expect(first.events).toHaveLength(3);
    expect(first.lastKey).toBeDefined();
    const second = await queryEvents(userId, 3, now, first.lastKey);
    expect(second.events).toHaveLength(3);
    expect(second.lastKey).toBeUndefined();
    expect([...first.events, ...second.events].map((e) => e.at)).toEqual(
      Array.from({ length: 6 }, (_, i) => new Date(now - i * 1000).toISOString()),
    );
  });

  it("ends a list shorter than a page without a next page", async () => {
    const userId = randomUUID();
    await recordAuditEvent({ userId, type: "signup", at: Date.now() });
    const page = await queryEvents(userId, 3, Date.now());
    expect(page.events).toHaveLength(1);
    expect(page.lastKey).toBeUndefined();
  });
});
