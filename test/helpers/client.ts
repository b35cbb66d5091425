// A small HTTP client for the contract: JSON in, status + headers + JSON out.
export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** A raw body sent as is (no JSON encoding, no content type unless given). */
  raw?: string;
}

export function client(baseUrl: string) {
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
  };
}

export type Client = ReturnType<typeof client>;
