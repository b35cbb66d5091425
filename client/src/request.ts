/**
 * One HTTP call to the API: JSON in, JSON out, a typed error for any non-2xx
 * answer. Knows nothing about sessions; `AuthClient` adds the token.
 */
import { errorFromResponse, NetworkError } from "./errors.js";

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

/**
 * `fetch`, with a request that got no answer thrown as a `NetworkError` that
 * says where it went and why that may be, instead of the browser's bare
 * "Failed to fetch". Only a `TypeError` is such a failure (what the Fetch
 * standard rejects with on a network error, a CORS refusal included); an
 * abort or a custom fetch's own error passes through as it is.
 */
export function withNetworkErrors(fetchFunction: FetchFunction, baseUrl: string): FetchFunction {
  return async (input, init) => {
    try {
      return await fetchFunction(input, init);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      const url = String(input);
      throw new NetworkError(networkErrorMessage(url, baseUrl, error), url, error);
    }
  };
}

function networkErrorMessage(url: string, baseUrl: string, error: TypeError): string {
  const base = baseUrl.replace(/\/+$/, "");
  const toApi = url === base || url.startsWith(`${base}/`) || url.startsWith(`${base}?`);
  const target = toApi ? `the auth API at ${base}` : originOf(url);
  // Node's fetch says "fetch failed" and keeps the reason (ECONNREFUSED, ENOTFOUND...) in its cause.
  const reason = (error.cause as { code?: unknown } | undefined)?.code;
  const detail = typeof reason === "string" ? `${error.message}: ${reason}` : error.message;
  const page = pageOrigin();
  if (!page) return `Could not reach ${target} (${detail}). Check the URL, the network, and that the server is running.`;
  // A browser does not tell the page whether the network failed or CORS refused the answer: name both.
  const allow = toApi ? "add that origin to the API's CORS_ORIGINS" : "that server's CORS configuration must allow it";
  return (
    `Could not reach ${target} (${detail}). The network may be down, the server may not be running, ` +
    `or it does not allow requests from this page's origin, ${page}: ${allow}.`
  );
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** The origin of the page running this code, in a browser (not an opaque "null" one). */
function pageOrigin(): string | undefined {
  const origin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  return typeof origin === "string" && origin !== "null" ? origin : undefined;
}

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

