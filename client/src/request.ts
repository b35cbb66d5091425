/**
 * One HTTP call to the API: JSON in, JSON out, a typed error for any non-2xx
 * answer. Knows nothing about sessions; `AuthClient` adds the token.
 */
import { errorFromResponse } from "./errors.js";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface ApiCall {
  method: Method;
  /** Path below the base URL, e.g. `/users/me`; path parameters already encoded. */
  path: string;
  body?: unknown;
  /** A form-encoded body instead of JSON (the OAuth token endpoint, RFC 6749 4.1.3). */
  form?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  /** False where a 401 may have another cause than the token (a wrong current password). Default true. */
  retryOnUnauthorized?: boolean;
}

/**
 * Who a call is made as: anonymously, with the session's access token, or
 * with a given one (the code exchange's, before its session is stored).
 */
export type CallAuth = "none" | "bearer" | { accessToken: string };

/** How the route functions reach the API. */
export interface Transport {
  call<T>(call: ApiCall, auth: CallAuth): Promise<T>;
}

export type FetchFunction = (input: string | URL, init?: RequestInit) => Promise<Response>;

export function urlFor(baseUrl: string, path: string, query?: ApiCall["query"]): string {
  const url = new URL(baseUrl.replace(/\/+$/, "") + path);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url.toString();
}

export function requestInit(call: ApiCall, accessToken?: string): RequestInit {
  const headers: Record<string, string> = { accept: "application/json" };
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  const init: RequestInit = { method: call.method, headers };
  if (call.form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    init.body = new URLSearchParams(call.form).toString();
  } else if (call.body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(call.body);
  }
  return init;
}

/** The JSON body of a 2xx response (undefined for 204), or the typed error. */
export async function readResult<T>(response: Response): Promise<T> {
  if (!response.ok) throw await errorFromResponse(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

