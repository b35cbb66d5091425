/** The request body of a JSON route: within the size limit, declared as JSON, parsed (413, 415, 400 otherwise). */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from "../platform/errors.js";

export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * "optional-json" accepts an empty body as `undefined` (signout); "form" is
 * `application/x-www-form-urlencoded`, parsed to URLSearchParams (the OAuth
 * token and revocation endpoints, RFC 6749 3.2).
 */
export type BodyMode = "none" | "json" | "optional-json" | "form";

/** A request header by name, whatever its case (API Gateway passes headers as the client sent them). */
function header(headers: Record<string, string | undefined> | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers[name] !== undefined) return headers[name];
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** A request header of the event by name, whatever its case. */
export const headerOf = (event: Pick<APIGatewayProxyEvent, "headers">, name: string) => header(event.headers, name.toLowerCase());

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;
const FORM_MEDIA_TYPE = /^application\/x-www-form-urlencoded\s*(?:;.*)?$/i;

export function parseBody(event: Pick<APIGatewayProxyEvent, "body" | "headers" | "isBase64Encoded">, mode: BodyMode): unknown {
  if (mode === "none") return undefined;
  // API Gateway passes the body as text (so does serverless offline with our patch); anything else is re-serialized.
  const raw = typeof event.body === "string" ? event.body : event.body == null ? "" : JSON.stringify(event.body);
  const bytes = event.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.length > BODY_LIMIT_BYTES) throw new PayloadTooLargeError(BODY_LIMIT_BYTES);
  const text = bytes.toString("utf8");
  if (mode === "optional-json" && text.trim() === "") return undefined;
  if (mode === "form") {
    if (!FORM_MEDIA_TYPE.test(header(event.headers, "content-type") ?? "")) throw new UnsupportedMediaTypeError("application/x-www-form-urlencoded");
    return new URLSearchParams(text);
  }
  if (!JSON_MEDIA_TYPE.test(header(event.headers, "content-type") ?? "")) throw new UnsupportedMediaTypeError();
  if (text.trim() === "") throw new BadRequestError("Request body is required");
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError("Request body is not valid JSON", undefined, "invalid_json");
  }
}
