import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adminMessage, protectedMessage, publicMessage } from "../../functions/messages.js";
import { handler as signupHandler } from "../../functions/auth/signup.js";
import { BODY_LIMIT_BYTES, parseBody } from "../../lib/http/body.js";
import { apiEvent, lambdaContext } from "../helpers/events.js";

const context = lambdaContext;
const event = apiEvent;

const authorized = (roles: string, session = "active") =>
  ({ authorizer: { userId: "u-1", roles, sid: "s-1", session, principalId: "u-1" } }) as never;

describe("body parsing", () => {
  const post = (body: string | null, contentType?: string) => ({
    body,
    isBase64Encoded: false,
    headers: contentType ? { "content-type": contentType } : {},
  });

  it("parses JSON declared as JSON", () => {
    expect(parseBody(post('{"a":1}', "application/json; charset=utf-8"), "json")).toEqual({ a: 1 });
  });
  it("answers 415 for a body not declared as JSON", () => {
    expect(() => parseBody(post('{"a":1}', "text/plain"), "json")).toThrow(expect.objectContaining({ statusCode: 415 }));
    expect(() => parseBody(post('{"a":1}'), "json")).toThrow(expect.objectContaining({ statusCode: 415 }));
  });
  it("answers 400 for invalid or missing JSON", () => {
    expect(() => parseBody(post("{oops", "application/json"), "json")).toThrow(expect.objectContaining({ statusCode: 400 }));
    expect(() => parseBody(post("", "application/json"), "json")).toThrow(expect.objectContaining({ statusCode: 400 }));
  });
  it("answers 413 past 16 KiB, counting bytes", () => {
    const atLimit = JSON.stringify({ a: "x".repeat(BODY_LIMIT_BYTES - 8) });
    expect(Buffer.byteLength(atLimit)).toBe(BODY_LIMIT_BYTES);
    expect(parseBody(post(atLimit, "application/json"), "json")).toBeTruthy();
    const over = JSON.stringify({ a: "é".repeat(BODY_LIMIT_BYTES / 2) });
    expect(() => parseBody(post(over, "application/json"), "json")).toThrow(expect.objectContaining({ statusCode: 413 }));
  });
  it("lets an empty body through where it is optional", () => {
    expect(parseBody(post(null), "optional-json")).toBeUndefined();
    expect(parseBody(post('{"allSessions":true}', "application/json"), "optional-json")).toEqual({ allSessions: true });
  });
});

describe("the handler stack", () => {
  it("answers the public message with JSON and security headers", async () => {
    const response = await publicMessage(event(), context);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ text: "This is a public message." });
    expect(response.headers?.["Content-Type"]).toBe("application/json");
    expect(response.headers?.["Strict-Transport-Security"]).toBeDefined();
  });

  it("puts the security headers on every response: errors too, and never cacheable", async () => {
    const responses = [
      await publicMessage(event(), context),
      await protectedMessage(event(), context),
      await adminMessage(event({ requestContext: authorized("user") }), context),
      await protectedMessage(event({ requestContext: authorized("user", "unverified") }), context),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 401, 403, 503]);
    for (const response of responses) {
      expect(response.headers).toMatchObject({
        "Cache-Control": "no-store",
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Content-Type": "application/json",
      });
    }
  });

  it("answers a route without an authorizer context with 401 JSON", async () => {
    const response = await protectedMessage(event(), context);
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toEqual({ message: "Unauthorized", code: "unauthorized" });
  });

  it("answers a caller without the route's role with 403 JSON", async () => {
    const response = await adminMessage(event({ requestContext: authorized("user,moderator") }), context);
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body).message).toMatch(/role/);
    expect((await adminMessage(event({ requestContext: authorized("user,admin") }), context)).statusCode).toBe(200);
  });

  it("answers 503 when the authorizer could not verify the session", async () => {
    const response = await protectedMessage(event({ requestContext: authorized("user", "unverified") }), context);
    expect(response.statusCode).toBe(503);
  });

  it("adds CORS headers for a configured origin only", async () => {
    const allowed = await publicMessage(event({ headers: { Origin: "http://localhost:4040" } }), context);
    expect(allowed.headers?.["Access-Control-Allow-Origin"]).toBe("http://localhost:4040");
    const other = await publicMessage(event({ headers: { Origin: "http://evil.example" } }), context);
    expect(other.headers?.["Access-Control-Allow-Origin"]).toBeUndefined();
    const denied = await protectedMessage(event({ headers: { origin: "http://localhost:4040" } }), context);
    expect(denied.statusCode).toBe(401);
    expect(denied.headers?.["Access-Control-Allow-Origin"]).toBe("http://localhost:4040");
  });

  it("answers arbitrary bodies on signup with a 4xx JSON message and nothing internal (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), async (body) => {
        const response = await signupHandler(
          event({ httpMethod: "POST", resource: "/auth/signup", body, headers: { "Content-Type": "application/json" } }),
          context,
        );
        // Any body the validator accepts would create a user; the rest must be a clean 4xx.
        expect(response.statusCode === 201 || (response.statusCode >= 400 && response.statusCode < 500)).toBe(true);
        if (response.statusCode >= 400) {
          const parsed = JSON.parse(response.body);
          expect(typeof parsed.message).toBe("string");
          expect(response.body).not.toMatch(/Error:|Exception|at \/|node_modules|\.ts:\d|dynamodb/i);
        }
      }),
      { numRuns: 200 },
    );
  });
});
