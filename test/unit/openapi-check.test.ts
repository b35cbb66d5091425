// The drift check of the end-to-end client (test/helpers/openapi.ts) accepts what
// openapi.yaml documents and rejects anything else, naming the operation.
import { describe, expect, it } from "vitest";
import { OpenApiMismatchError, openApiChecker, type CheckedResponse } from "../helpers/openapi.js";

const checker = openApiChecker();

const user = {
  id: "0b6e3f1c-8a4d-4c53-9a0e-2f9d1d5e7a10",
  email: "ada@example.com",
  emailVerified: false,
  roles: ["user"],
  createdAt: "2026-11-23T20:03:15.123Z",
};
const session = {
  user,
  accessToken: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
  refreshToken: `0b6e3f1c-8a4d-4c53-9a0e-2f9d1d5e7a10.${"A".repeat(43)}`,
  tokenType: "Bearer",
  expiresIn: 900,
};

function reply(method: string, path: string, status: number, body?: unknown, headers: Record<string, string> = {}): CheckedResponse {
  const json: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
  return {
    method,
    path,
    status,
    headers: new Headers({ "cache-control": "no-store", ...json, ...headers }),
    text: body === undefined ? "" : JSON.stringify(body),
  };
}

const mismatch = (response: CheckedResponse, options = {}) => {
  try {
    checker.check(response, options);
  } catch (error) {
    expect(error).toBeInstanceOf(OpenApiMismatchError);
    return (error as Error).message;
  }
  return expect.unreachable("the response was accepted");
};

describe("openapi.yaml drift check", () => {
  it("accepts documented responses: a session, a 204 without body, an error, a templated path", () => {
    checker.check(reply("POST", "/auth/signup", 201, session));
    checker.check(reply("POST", "/auth/signup", 201, { user }));
    checker.check(reply("POST", "/auth/signout", 204));
    checker.check(reply("POST", "/auth/signin", 429, { message: "Locked", retryAfter: 60 }, { "retry-after": "60" }));
    checker.check(reply("GET", "/users/0b6e3f1c-8a4d-4c53-9a0e-2f9d1d5e7a10?x=1", 200, { user }));
    checker.check(reply("GET", "/users/me", 401, { message: "Unauthorized" }, { "access-control-allow-origin": "https://app.example.com" }));
  });

  it("matches a literal path before a template (/users/me is not /users/{id})", () => {
    expect(checker.find("GET", "/users/me")?.operationId).toBe("getMe");
    expect(checker.find("GET", "/users/0b6e3f1c-8a4d-4c53-9a0e-2f9d1d5e7a10")?.operationId).toBe("getUser");
    expect(checker.find("DELETE", "/users/me/sessions/abc")?.operationId).toBe("revokeMySession");
  });

  it("rejects a body with an undocumented field, naming the operation, the status and the field", () => {
    const message = mismatch(reply("GET", "/users/me", 200, { user: { ...user, passwordHash: "$2b$10$x" } }));
    expect(message).toContain("GET /users/me (getMe) answered 200");
    expect(message).toMatch(/additionalProperty.*passwordHash/);
  });

  it("rejects a body missing a required field or with a wrong type", () => {
    const { emailVerified: _, ...withoutFlag } = user;
    expect(mismatch(reply("GET", "/users/me", 200, { user: withoutFlag }))).toMatch(/emailVerified/);
    expect(mismatch(reply("POST", "/auth/signin", 200, { ...session, expiresIn: "900" }))).toMatch(/expiresIn/);
  });

  it("rejects an error body that carries a stack trace (more than one line)", () => {
    const leak = { message: "TypeError: x is undefined\n    at handler (/var/task/functions/signin.mjs:1:2)" };
    expect(mismatch(reply("POST", "/auth/signin", 500, leak))).toMatch(/\/message must match pattern/);
  });

  it("rejects a status the operation does not document", () => {
    expect(mismatch(reply("GET", "/messages/public", 401, { message: "Unauthorized" }))).toMatch(/status 401 is not documented/);
  });

  it("rejects a body where the document says none, and a non-JSON body where it says JSON", () => {
    expect(mismatch(reply("POST", "/auth/signout", 204, { ok: true }))).toMatch(/no body/);
    expect(mismatch({ ...reply("POST", "/auth/signin", 400), text: "Bad Request", headers: new Headers({ "content-type": "text/plain" }) })).toMatch(
      /Content-Type/,
    );
  });

  it("rejects a bad header value and a missing required header", () => {
    expect(mismatch(reply("GET", "/users/me", 200, { user }, { "cache-control": "max-age=60" }))).toMatch(/Cache-Control/);
    const jwks = { keys: [{ kty: "RSA", kid: "k1", use: "sig", alg: "RS256", n: "A".repeat(342), e: "AQAB" }] };
    checker.check(reply("GET", "/.well-known/jwks.json", 200, jwks, { "cache-control": "public, max-age=300", "access-control-allow-origin": "*" }));
    expect(mismatch(reply("GET", "/.well-known/jwks.json", 200, jwks, { "cache-control": "" }))).toMatch(/Cache-Control/);
    const withPrivatePart = { keys: [{ ...jwks.keys[0], d: "secret" }] };
    expect(
      mismatch(reply("GET", "/.well-known/jwks.json", 200, withPrivatePart, { "cache-control": "public, max-age=300" })),
    ).toMatch(/additionalProperty.*"d"/);
  });

  it("rejects a route the document does not have, unless marked undocumented, and then only 403/404 errors", () => {
    expect(mismatch(reply("GET", "/nope", 404, { message: "Not found" }))).toMatch(/no operation for GET \/nope/);
    checker.check(reply("GET", "/nope", 404, { message: "Not found" }), { undocumented: true });
    expect(mismatch(reply("GET", "/nope", 200, { message: "hi" }), { undocumented: true })).toMatch(/403 or 404/);
    expect(mismatch(reply("GET", "/nope", 404, { error: "x" }), { undocumented: true })).toMatch(/does not match/);
  });
});
