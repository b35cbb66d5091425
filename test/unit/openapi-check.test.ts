// The drift check of the end-to-end client (test/helpers/openapi.ts) accepts what
// openapi.yaml documents and rejects anything else, naming the operation.
import { describe, expect, it } from "vitest";
import { discoveryDocument } from "../../lib/oauth/discovery.js";
import { OpenApiMismatchError, openApiChecker, type CheckedResponse } from "../helpers/openapi.js";

const checker = openApiChecker();

const user = {
  id: "0b6e3f1c-8a4d-4c53-9a0e-2f9d1d5e7a10",
  email: "ada@example.com",
  emailVerified: false,
  roles: ["user"],
  createdAt: "2026-11-23T20:03:15.123Z",
  hasPassword: true,
  mfaEnabled: false,
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
    checker.check(reply("POST", "/auth/signin", 429, { message: "Locked", code: "too_many_attempts", retryAfter: 60 }, { "retry-after": "60" }));
    checker.check(reply("GET", "/users/0b6e3f1c-8a4d-4c53-9a0e-2f9d1d5e7a10?x=1", 200, { user }));
    checker.check(
      reply("GET", "/users/me", 401, { message: "Unauthorized", code: "unauthorized" }, { "access-control-allow-origin": "https://app.example.com" }),
    );
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
    const { hasPassword: _h, ...withoutHasPassword } = user;
    expect(mismatch(reply("GET", "/users/me", 200, { user: withoutHasPassword }))).toMatch(/hasPassword/);
    expect(mismatch(reply("GET", "/users/me", 200, { user: { ...user, mfaEnabled: "no" } }))).toMatch(/mfaEnabled/);
    expect(mismatch(reply("POST", "/auth/signin", 200, { ...session, expiresIn: "900" }))).toMatch(/expiresIn/);
  });

  it("rejects an error body that carries a stack trace (more than one line)", () => {
    const leak = { message: "TypeError: x is undefined\n    at handler (/var/task/functions/signin.mjs:1:2)", code: "internal_error" };
    expect(mismatch(reply("POST", "/auth/signin", 500, leak))).toMatch(/\/message must match pattern/);
  });

  it("rejects a status the operation does not document", () => {
    expect(mismatch(reply("GET", "/messages/public", 401, { message: "Unauthorized", code: "unauthorized" }))).toMatch(/status 401 is not documented/);
    // Only routes that need a role, a user (not a machine token) or a fresh signin answer 403.
    expect(mismatch(reply("GET", "/messages/protected", 403, { message: "Forbidden", code: "forbidden" }))).toMatch(/status 403 is not documented/);
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
    expect(mismatch(reply("GET", "/nope", 404, { message: "Not found", code: "not_found" }))).toMatch(/no operation for GET \/nope/);
    checker.check(reply("GET", "/nope", 404, { message: "Not found", code: "not_found" }), { undocumented: true });
    expect(mismatch(reply("GET", "/nope", 404, { message: "Not found" }), { undocumented: true })).toMatch(/code/);
    expect(mismatch(reply("GET", "/nope", 200, { message: "hi" }), { undocumented: true })).toMatch(/403 or 404/);
    expect(mismatch(reply("GET", "/nope", 404, { error: "x" }), { undocumented: true })).toMatch(/does not match/);
  });

  it("rejects an error body without a code, or with a code that is not snake_case", () => {
    expect(mismatch(reply("POST", "/auth/signin", 401, { message: "Incorrect email or password" }))).toMatch(/must have required property 'code'/);
    expect(mismatch(reply("POST", "/auth/signin", 401, { message: "Incorrect email or password", code: "InvalidCredentials" }))).toMatch(/\/code/);
  });

  it("accepts on each operation exactly the codes it lists for the status", () => {
    const error = (code: string, extra = {}) => ({ message: "for people", code, ...extra });
    const accepted: [string, string, number, string][] = [
      ["POST", "/auth/signup", 400, "invalid_json"],
      ["POST", "/auth/signup", 409, "email_taken"],
      ["POST", "/auth/signup", 409, "username_taken"],
      ["POST", "/auth/signin", 401, "invalid_credentials"],
      ["POST", "/auth/signin", 403, "account_disabled"],
      ["POST", "/auth/signin", 403, "email_not_verified"],
      ["POST", "/auth/refresh", 401, "invalid_refresh_token"],
      ["POST", "/auth/signout", 401, "invalid_refresh_token"],
      ["POST", "/auth/signout", 401, "unauthorized"],
      ["POST", "/auth/password", 401, "wrong_password"],
      ["POST", "/auth/password/reset", 400, "invalid_token"],
      ["POST", "/auth/email/verify", 400, "invalid_token"],
      ["DELETE", "/users/me", 401, "wrong_password"],
      ["DELETE", "/users/me", 409, "self_protection"],
      ["GET", "/users?limit=0", 400, "invalid_request"],
      ["PUT", "/users/0b6e3f1c-8a4d-4c53-9a0e-2f9d1d5e7a10/roles", 403, "forbidden"],
      ["PUT", "/users/0b6e3f1c-8a4d-4c53-9a0e-2f9d1d5e7a10/roles", 409, "self_protection"],
      ["DELETE", "/users/me/sessions/0b6e3f1c-8a4d-4c53-9a0e-2f9d1d5e7a10", 404, "not_found"],
      ["GET", "/messages/moderator", 403, "forbidden"],
      ["POST", "/auth/signup", 413, "payload_too_large"],
      ["PATCH", "/users/0b6e3f1c-8a4d-4c53-9a0e-2f9d1d5e7a10", 415, "unsupported_media_type"],
      ["GET", "/messages/public", 429, "too_many_requests"],
      ["GET", "/users/me", 500, "internal_error"],
    ];
    for (const [method, path, status, code] of accepted) checker.check(reply(method, path, status, error(code)));
    checker.check(reply("POST", "/auth/password", 429, error("too_many_attempts", { retryAfter: 60 }), { "retry-after": "60" }));
    checker.check(reply("GET", "/users/me/sessions", 503, error("service_unavailable"), { "retry-after": "1" }));

    const refused: [string, string, number, string][] = [
      ["POST", "/auth/signin", 401, "unauthorized"],
      ["POST", "/auth/signin", 401, "wrong_password"],
      ["GET", "/users/me", 401, "invalid_credentials"],
      ["POST", "/auth/refresh", 401, "unauthorized"],
      ["POST", "/auth/signup", 400, "invalid_token"],
      ["POST", "/auth/signup", 429, "too_many_attempts"],
      ["POST", "/auth/signin", 403, "forbidden"],
      ["GET", "/users", 403, "account_disabled"],
      ["POST", "/auth/signup", 409, "self_protection"],
      ["PATCH", "/users/0b6e3f1c-8a4d-4c53-9a0e-2f9d1d5e7a10", 409, "email_taken"],
      ["GET", "/users/me", 503, "internal_error"],
    ];
    for (const [method, path, status, code] of refused) {
      expect(mismatch(reply(method, path, status, error(code))), `${method} ${path} ${status} ${code}`).toMatch(/\/code must be equal to one of the allowed values/);
    }
  });

  it("accepts the new fields of the data model: Event.method on signin, the discovery document as served", () => {
    const signin = { type: "signin", at: "2026-11-23T20:03:15.123Z", method: "password" };
    checker.check(reply("GET", "/users/me/events", 200, { events: [signin, { ...signin, method: "provider:google" }] }));
    expect(mismatch(reply("GET", "/users/me/events", 200, { events: [{ ...signin, method: "telepathy" }] }))).toMatch(/method/);
    const headers = { "cache-control": "public, max-age=300", "access-control-allow-origin": "*" };
    for (const path of ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]) {
      checker.check(reply("GET", path, 200, discoveryDocument(), headers));
    }
  });
});
