// Every error status of the contract becomes its own error class, with the
// API's message, per-field problems and Retry-After.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthApiError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
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
