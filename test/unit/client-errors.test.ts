// Every error status of the contract becomes its own error class, with the
// API's message, its stable code (what callers branch on), per-field problems
// and Retry-After.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { parse } from "yaml";
import {
  AuthApiError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  SessionEndedError,
  TooManyRequestsError,
  UnauthorizedError,
  type ErrorCode,
  type ErrorCodeFor,
  type KnownErrorCode,
} from "../../client/src/index.js";
import { readResult } from "../../client/src/request.js";
import { startFakeApi, type FakeApi } from "../helpers/fake-api.js";

let api: FakeApi;
beforeAll(async () => void (api = await startFakeApi()));
afterAll(() => api.close());

async function errorFor(path: string): Promise<AuthApiError> {
  const error = await readResult(await fetch(api.baseUrl + path)).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthApiError);
  return error as AuthApiError;
}

describe("typed errors", () => {
  it.each([
    [400, "BadRequestError", BadRequestError],
    [401, "UnauthorizedError", UnauthorizedError],
    [403, "ForbiddenError", ForbiddenError],
    [404, "NotFoundError", NotFoundError],
    [409, "ConflictError", ConflictError],
    [413, "PayloadTooLargeError", PayloadTooLargeError],
    [429, "TooManyRequestsError", TooManyRequestsError],
    [503, "ServiceUnavailableError", ServiceUnavailableError],
  ] as const)("a %i answer throws %s with the API's status and message", async (status, _name, ErrorClass) => {
    const error = await errorFor(`/status/${status}`);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.status).toBe(status);
    expect(error.message).toBe(`status ${status}`);
    expect(error.name).toBe(ErrorClass.name);
  });

  it("a status without a class of its own throws the base AuthApiError", async () => {
    const error = await errorFor("/status/418");
    expect(error.constructor).toBe(AuthApiError);
    expect(error.status).toBe(418);
  });

  it("a 400 carries the per-field problems", async () => {
    const error = (await errorFor("/status/400")) as BadRequestError;
    expect(error.problems).toEqual([{ field: "email", problem: "is not an email address" }]);
  });

  it("a 429 carries Retry-After in seconds, given as seconds or as an HTTP date", async () => {
    expect(((await errorFor("/status/429?retryAfter=7")) as TooManyRequestsError).retryAfter).toBe(7);
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const retryAfter = ((await errorFor(`/status/429?retryAfter=${encodeURIComponent(inAMinute)}`)) as TooManyRequestsError).retryAfter;
    expect(retryAfter).toBeGreaterThanOrEqual(58);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it("an error body that is not JSON still gives the typed error, with the status text as message", async () => {
    const error = await errorFor("/status/503?text=1");
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.message).toBe("Service Unavailable");
    expect(error.body).toBeUndefined();
  });
});

/** The error the client makes of an answer with this status, body and headers. */
async function errorFrom(status: number, body: unknown, headers: Record<string, string> = {}): Promise<AuthApiError> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const contentType = typeof body === "string" ? "text/plain" : "application/json";
  const error = await readResult(new Response(text, { status, headers: { "content-type": contentType, ...headers } })).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthApiError);
  return error as AuthApiError;
}

describe("error codes", () => {
  it.each([
    [400, "invalid_json", BadRequestError],
    [400, "invalid_token", BadRequestError],
    [401, "invalid_credentials", UnauthorizedError],
    [401, "wrong_password", UnauthorizedError],
    [403, "email_not_verified", ForbiddenError],
    [401, "invalid_mfa_code", UnauthorizedError],
    [401, "mfa_token_invalid", UnauthorizedError],
    [403, "mfa_required", ForbiddenError],
    [409, "mfa_already_enabled", ConflictError],
    [404, "not_found", NotFoundError],
    [409, "username_taken", ConflictError],
    [409, "self_protection", ConflictError],
    [413, "payload_too_large", PayloadTooLargeError],
    [429, "too_many_attempts", TooManyRequestsError],
    [503, "service_unavailable", ServiceUnavailableError],
    [500, "internal_error", AuthApiError],
  ] as const)("a %i answer with code %s exposes that code on its typed error", async (status, code, ErrorClass) => {
    const error = await errorFrom(status, { message: "whatever the server says today", code });
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.body?.code).toBe(code);
  });

  it("passes a code it does not know through unchanged, on the status's class", async () => {
    const error = await errorFrom(401, { message: "A code added later", code: "something_new" });
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.code).toBe("something_new");
  });

  it("keeps the rest of the body beside the code: per-field problems, retryAfter", async () => {
    const invalid = (await errorFrom(400, {
      message: "Invalid request",
      code: "invalid_request",
      errors: [{ field: "email", problem: "must be a valid email address" }],
    })) as BadRequestError;
    expect(invalid.code).toBe("invalid_request");
    expect(invalid.problems).toEqual([{ field: "email", problem: "must be a valid email address" }]);
    const locked = (await errorFrom(429, { message: "Locked", code: "too_many_attempts", retryAfter: 60 }, { "retry-after": "60" })) as TooManyRequestsError;
    expect(locked.code).toBe("too_many_attempts");
    expect(locked.retryAfter).toBe(60);
  });

  it.each([
    [400, "invalid_request"],
    [401, "unauthorized"],
    [403, "forbidden"],
    [404, "not_found"],
    [409, "invalid_request"],
    [413, "payload_too_large"],
    [415, "unsupported_media_type"],
    [418, "invalid_request"],
    [429, "too_many_requests"],
    [500, "internal_error"],
    [502, "internal_error"],
    [503, "service_unavailable"],
    [504, "internal_error"],
  ] as const)("a %i answer whose body is not JSON gets the generic code %s", async (status, code) => {
    const error = await errorFrom(status, "<html>upstream says no</html>");
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.body).toBeUndefined();
  });

  it("a JSON body without a code (not from this API) gets its status's generic code, in the error and its body", async () => {
    const error = await errorFrom(401, { message: "Unauthorized" });
    expect(error.code).toBe("unauthorized");
    expect(error.body).toEqual({ message: "Unauthorized", code: "unauthorized" });
    expect((await errorFrom(503, { message: "Busy", code: 7 })).code).toBe("service_unavailable");
  });

  it("the fake API's answers without a code still get one (over HTTP, as the other tests read them)", async () => {
    expect((await errorFor("/status/403")).code).toBe("forbidden");
    expect((await errorFor("/status/503?text=1")).code).toBe("service_unavailable");
  });

  it("a session that ended carries the API's refusal, or `unauthorized` when there was none", () => {
    expect(new SessionEndedError().code).toBe("unauthorized");
    const refused = new SessionEndedError(undefined, { message: "Invalid refresh token", code: "invalid_refresh_token" });
    expect(refused).toBeInstanceOf(UnauthorizedError);
    expect(refused.code).toBe("invalid_refresh_token");
  });

  it("types every code openapi.yaml lists, by status, and accepts codes added later", () => {
    expectTypeOf<ErrorCodeFor<401>>().toEqualTypeOf<
      "unauthorized" | "invalid_credentials" | "wrong_password" | "invalid_refresh_token" | "invalid_mfa_code" | "mfa_token_invalid" | "invalid_passkey" | "invalid_client"
    >();
    expectTypeOf<ErrorCodeFor<403>>().toEqualTypeOf<"forbidden" | "account_disabled" | "email_not_verified" | "mfa_required" | "login_required">();
    expectTypeOf<ErrorCodeFor<409>>().toEqualTypeOf<
      "email_taken" | "username_taken" | "self_protection" | "mfa_already_enabled" | "no_pending_enrollment" | "already_registered" | "last_sign_in_method"
    >();
    expectTypeOf<ErrorCodeFor<429>>().toEqualTypeOf<"too_many_attempts" | "too_many_requests">();
    expectTypeOf<"mfa_required">().toExtend<ErrorCode>();
    expectTypeOf<"a_code_added_later">().toExtend<ErrorCode>();
    expectTypeOf<"invalid_credentials">().toExtend<UnauthorizedError["code"]>();
    expectTypeOf<KnownErrorCode>().not.toBeNever();
  });

  it("knows exactly the codes that openapi.yaml lists", () => {
    const openapi = parse(readFileSync(fileURLToPath(new URL("../../openapi.yaml", import.meta.url)), "utf8"));
    const documented = new Set<string>();
    for (const response of Object.values(openapi.components.responses as Record<string, any>)) {
      for (const part of response.content?.["application/json"]?.schema?.allOf ?? []) {
        for (const code of part.properties?.code?.enum ?? []) documented.add(code);
      }
    }
    // One value of each known code, type-checked against KnownErrorCode in both directions.
    const known = {
      invalid_request: 1, invalid_json: 1, invalid_token: 1, unauthorized: 1, invalid_credentials: 1, wrong_password: 1,
      invalid_refresh_token: 1, forbidden: 1, account_disabled: 1, email_not_verified: 1, not_found: 1, email_taken: 1,
      username_taken: 1, self_protection: 1, payload_too_large: 1, unsupported_media_type: 1, too_many_attempts: 1,
      too_many_requests: 1, internal_error: 1, service_unavailable: 1, invalid_mfa_code: 1, mfa_token_invalid: 1,
      mfa_required: 1, mfa_already_enabled: 1, no_pending_enrollment: 1, invalid_passkey: 1, already_registered: 1,
      last_sign_in_method: 1, invalid_client: 1, invalid_grant: 1, invalid_scope: 1, login_required: 1, unauthorized_client: 1,
      unsupported_grant_type: 1,
    } satisfies Record<KnownErrorCode, 1>;
    expectTypeOf<keyof typeof known>().toEqualTypeOf<KnownErrorCode>();
    expect([...documented].sort()).toEqual(Object.keys(known).sort());
  });
});
