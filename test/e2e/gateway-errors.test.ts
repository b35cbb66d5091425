// Errors the handlers never see, as serverless offline answers them: like API
// Gateway's gateway responses (serverless.yml, GatewayResponse*), JSON
// { message, code } with the CORS headers, not hapi's Boom bodies
// (patches/serverless-offline+14.8.2.patch).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, type Client, type Reply } from "../helpers/client.js";
import { PASSWORD, uniqueEmail } from "../helpers/fixtures.js";
import { tamperPayload } from "../helpers/forge.js";
import { startStack, type Stack } from "../helpers/stack.js";

const ORIGIN = "http://localhost:4040"; // in the stack's CORS_ORIGINS

let stack: Stack;
let api: Client;
let accessToken: string;

beforeAll(async () => {
  stack = await startStack();
  api = client(stack.baseUrl);
  const signup = await api.post("/auth/signup", { email: uniqueEmail("gateway"), password: PASSWORD });
  expect(signup.status, signup.text).toBe(201);
  accessToken = signup.body.accessToken;
});

afterAll(async () => {
  await stack?.stop();
});

function expectGatewayError(reply: Reply, status: number, body: { message: string; code: string }) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get("content-type")).toMatch(/^application\/json\b/);
  expect(reply.body, reply.text).toEqual(body);
}

describe("errors serverless offline answers itself", () => {
  const unauthorized = { message: "Unauthorized", code: "unauthorized" };
  const tokens: Record<string, () => string | undefined> = {
    "no token": () => undefined,
    "a malformed token": () => "not-a-jwt",
    "a tampered token": () => tamperPayload(accessToken, (payload) => void (payload.roles = ["admin"])),
  };

  it.each(Object.keys(tokens))("a protected route with %s answers 401 { message, code: unauthorized }", async (name) => {
    const token = tokens[name]!();
    // The token is valid before it is tampered with: the 401 is the tampering's.
    if (name === "a tampered token") expect((await api.get("/users/me", { token: accessToken })).status).toBe(200);
    const plain = await api.get("/users/me", { token });
    expectGatewayError(plain, 401, unauthorized);
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();

    const fromApp = await api.get("/users/me", { token, headers: { origin: ORIGIN } });
    expectGatewayError(fromApp, 401, unauthorized);
    expect(fromApp.headers.get("access-control-allow-origin")).toBe(ORIGIN);
  });

  it("gives an origin that is not configured the same 401 without CORS headers", async () => {
    const reply = await api.get("/users/me", { headers: { origin: "https://evil.example.com" } });
    expectGatewayError(reply, 401, unauthorized);
    expect([...reply.headers.keys()].filter((name) => name.startsWith("access-control-"))).toEqual([]);
  });

  it("answers an unknown path or method 404 { message, code: not_found }", async () => {
    const notFound = { message: "Not found", code: "not_found" };
    expectGatewayError(await api.get("/no/such/route", { undocumented: true }), 404, notFound);
    expectGatewayError(await api.patch("/.well-known/jwks.json", {}, { undocumented: true }), 404, notFound);
    const fromApp = await api.get("/no/such/route", { undocumented: true, headers: { origin: ORIGIN } });
    expectGatewayError(fromApp, 404, notFound);
    expect(fromApp.headers.get("access-control-allow-origin")).toBe(ORIGIN);
  });
});
