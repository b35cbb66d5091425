// A small HTTP client for the contract: JSON in, status + headers + JSON out.
// Every response it receives is held to openapi.yaml (test/helpers/openapi.ts):
// a status the operation does not document, a missing required header or a body
// that does not match its schema fails the request, naming the operation.
import { openApiChecker, type CheckOptions, type OpenApiChecker } from "./openapi.js";

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface RequestOptions extends CheckOptions {
  token?: string;
  headers?: Record<string, string>;
  /** A raw body sent as is (no JSON encoding, no content type unless given). */
  raw?: string;
}

let checker: OpenApiChecker | undefined;

export function client(baseUrl: string) {
  checker ??= openApiChecker();
  const openapi = checker;

  async function request(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined = options.raw;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(baseUrl + path, { method, headers, body: payload });
    const text = await response.text();
    // CORS preflights are answered by API Gateway's CORS configuration, not by an operation of the document.
    if (method.toUpperCase() !== "OPTIONS") {
      openapi.check({ method, path, status: response.status, headers: response.headers, text }, options);
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }
  return {
    request,
    get: (path: string, options?: RequestOptions) => request("GET", path, undefined, options),
    post: (path: string, body?: unknown, options?: RequestOptions) => request("POST", path, body, options),
    put: (path: string, body?: unknown, options?: RequestOptions) => request("PUT", path, body, options),
    patch: (path: string, body?: unknown, options?: RequestOptions) => request("PATCH", path, body, options),
    delete: (path: string, body?: unknown, options?: RequestOptions) => request("DELETE", path, body, options),
  };
}

export type Client = ReturnType<typeof client>;
