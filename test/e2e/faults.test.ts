// The database goes away under a running stack: every route that needs it
// answers 503 JSON and nothing is half-written. The fault is real: DynamoDB
// Local is stopped, then started again on the same data.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureTables, freePort, startDynamoDbLocal, type LocalDynamoDb } from "../../scripts/local-dynamodb.mjs";
import { client } from "../helpers/client.js";
import { PASSWORD, uniqueEmail } from "../helpers/fixtures.js";
import { startStack, type Stack } from "../helpers/stack.js";

let stack: Stack | undefined;
let dynamodb: LocalDynamoDb | undefined;
const dataDir = mkdtempSync(join(tmpdir(), "auth-faults-"));
afterAll(async () => {
  await stack?.stop();
  await dynamodb?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("when DynamoDB is unreachable", () => {
  it("every route that needs it answers 503 JSON, and no write is left half-done", async () => {
    const port = await freePort();
    dynamodb = await startDynamoDbLocal({ dataDir, port });
    await ensureTables(dynamodb.endpoint, "local");
    stack = await startStack({ env: { DYNAMODB_ENDPOINT: dynamodb.endpoint } });
    const api = client(stack.baseUrl);

    const email = uniqueEmail("before");
    const session = (await api.post("/auth/signup", { email, password: PASSWORD })).body;
    expect((await api.get("/users/me", { token: session.accessToken })).status).toBe(200);

    await dynamodb.stop();
    const lostEmail = uniqueEmail("during");
    const token = { token: session.accessToken };
    const replies = {
      signup: await api.post("/auth/signup", { email: lostEmail, password: PASSWORD }),
      signin: await api.post("/auth/signin", { email, password: PASSWORD }),
      refresh: await api.post("/auth/refresh", { refreshToken: session.refreshToken }),
      signout: await api.post("/auth/signout", {}, token),
      password: await api.post("/auth/password", { currentPassword: PASSWORD, newPassword: "another long passphrase" }, token),
      me: await api.get("/users/me", token),
      roles: await api.put(`/users/${session.user.id}/roles`, { roles: ["admin"] }, token),
      protected: await api.get("/messages/protected", token),
      admin: await api.get("/messages/admin", token),
    };
    for (const [route, reply] of Object.entries(replies)) {
      expect(reply.status, route).toBe(503);
      expect(reply.body?.message, route).toMatch(/unavailable/i);
      expect(reply.text, route).not.toMatch(/ECONNREFUSED|Exception|Error:|127\.0\.0\.1|DynamoDB/);
    }
    // A route that needs no database keeps working.
    expect((await api.get("/messages/public")).status).toBe(200);

    dynamodb = await startDynamoDbLocal({ dataDir, port });
    // The refused signup left nothing: the email is free. The refused refresh rotated nothing.
    expect((await api.post("/auth/signin", { email: lostEmail, password: PASSWORD })).status).toBe(401);
    expect((await api.post("/auth/signup", { email: lostEmail, password: PASSWORD })).status).toBe(201);
    expect((await api.post("/auth/refresh", { refreshToken: session.refreshToken })).status).toBe(200);
    expect((await api.post("/auth/signin", { email, password: PASSWORD })).status).toBe(200);
    // It starts its own DynamoDB Local and stack, and nine requests each wait out the SDK's retries.
  }, 120_000);
});
