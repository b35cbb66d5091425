/**
 * One signed call to an AWS JSON-protocol API (DynamoDB, SSM), without an
 * SDK client. Only the authorizer's cold-start path uses it: the SDK's
 * DynamoDB client alone costs ~60 ms to load, four times a whole verify-only
 * authorizer (see BENCHMARKS.md), while aws4 signs with node:crypto in a few KiB.
 * Everything else goes through the SDK (lib/dynamodb.ts).
 */
import aws4 from "aws4";
import http from "node:http";
import https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { ServiceUnavailableError } from "./errors.js";

export interface AwsJsonCall {
  service: "dynamodb" | "ssm";
  /** X-Amz-Target, e.g. "DynamoDB_20120810.GetItem". */
  target: string;
  /** The service's JSON protocol version: DynamoDB speaks 1.0, SSM 1.1. */
  jsonVersion: "1.0" | "1.1";
  body: unknown;
  /** Where to send it instead of the regional endpoint (DynamoDB Local). */
  endpoint?: string;
  /** Signing credentials other than the Lambda role's in the environment (scripts run by an operator). */
  credentials?: aws4.Credentials;
}

/** The service answered with an error that retrying will not fix (e.g. AccessDenied, ValidationException). */
export class AwsCallError extends Error {
  override name = "AwsCallError";
  constructor(
    readonly type: string,
    readonly statusCode: number,
  ) {
    super(`${type} (HTTP ${statusCode})`);
  }
}

const MAX_ATTEMPTS = 3;
const TIMEOUT_MS = 3000;
const RETRYABLE_TYPES = /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|InternalServerError|ServiceUnavailable|TooManyUpdates/;

const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

class RetryableError extends Error {}

function credentials(local: boolean): aws4.Credentials {
  if (local) return { accessKeyId: "local", secretAccessKey: "local" };
  // Lambda puts the function role's temporary credentials in the environment.
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = process.env;
  return { accessKeyId: AWS_ACCESS_KEY_ID, secretAccessKey: AWS_SECRET_ACCESS_KEY, sessionToken: AWS_SESSION_TOKEN };
}

function send(url: URL, request: aws4.Request & { headers: Record<string, string>; body: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === "http:" ? http : https;
    const req = client.request(
      {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port || undefined,
        path: "/",
        method: "POST",
        headers: request.headers,
        agent: agents[url.protocol as keyof typeof agents],
        timeout: TIMEOUT_MS,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", (error) => reject(new RetryableError(error.message)));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (error) => reject(new RetryableError(error.message)));
    req.end(request.body);
  });
}

async function attempt<T>(call: AwsJsonCall): Promise<T> {
  const region = process.env.AWS_REGION || "us-east-1";
  const override = call.endpoint || process.env[`AWS_ENDPOINT_URL_${call.service.toUpperCase()}`];
  const url = new URL(override || `https://${call.service}.${region}.amazonaws.com/`);
  const request = aws4.sign(
    {
      host: url.host,
      path: "/",
      method: "POST",
      service: call.service,
      region,
      body: JSON.stringify(call.body),
      headers: { "Content-Type": `application/x-amz-json-${call.jsonVersion}`, "X-Amz-Target": call.target },
    },
    call.credentials ?? credentials(Boolean(call.endpoint)),
  ) as aws4.Request & { headers: Record<string, string>; body: string };
  const { status, text } = await send(url, request);
  if (status === 200) return JSON.parse(text) as T;
  let type = `HTTP${status}`;
  try {
    type = String((JSON.parse(text) as { __type?: string }).__type ?? type).split("#").pop()!;
  } catch {
    // not JSON: keep the status as the type
  }
  if (status >= 500 || RETRYABLE_TYPES.test(type)) throw new RetryableError(type);
  throw new AwsCallError(type, status);
}

/**
 * Calls the API, retrying throttling, 5xx and network faults with backoff.
 * Throws ServiceUnavailableError when they persist, AwsCallError for any other error answer.
 */
export async function awsJson<T>(call: AwsJsonCall): Promise<T> {
  for (let attemptNo = 1; ; attemptNo++) {
    try {
      return await attempt<T>(call);
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error;
      if (attemptNo >= MAX_ATTEMPTS) throw new ServiceUnavailableError();
      await sleep(25 * 2 ** attemptNo * Math.random());
    }
  }
}
