// Which DynamoDB errors mean "unavailable, 503" (lib/platform/dynamodb.ts). Throttling
// cannot be caused on DynamoDB Local, so these use the SDK's own exception
// classes as the service would return them; the outage itself is caused for
// real in test/e2e/faults.test.ts.
import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { guarded, isUnavailable } from "../../lib/platform/dynamodb.js";
import { ServiceUnavailableError } from "../../lib/platform/errors.js";

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode }, message: "x" });

describe("DynamoDB fault mapping (SDK exception classes, no throttling locally)", () => {
  it("treats throttling, 5xx and unanswered requests as unavailable", () => {
    expect(isUnavailable(new ProvisionedThroughputExceededException(meta(400)))).toBe(true);
    expect(isUnavailable(new RequestLimitExceeded(meta(400)))).toBe(true);
    expect(isUnavailable(new InternalServerError(meta(500)))).toBe(true);
    expect(isUnavailable(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toBe(true);
  });

  it("leaves request errors alone: they are answers, not outages", () => {
    expect(isUnavailable(new ConditionalCheckFailedException(meta(400)))).toBe(false);
    expect(isUnavailable(new ResourceNotFoundException(meta(400)))).toBe(false);
    expect(isUnavailable("not an error")).toBe(false);
  });

  it("turns unavailability into a 503 and passes other errors through", async () => {
    await expect(guarded(() => Promise.reject(new ProvisionedThroughputExceededException(meta(400))))).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
    const conditionFailed = new ConditionalCheckFailedException(meta(400));
    await expect(guarded(() => Promise.reject(conditionFailed))).rejects.toBe(conditionFailed);
  });
});
