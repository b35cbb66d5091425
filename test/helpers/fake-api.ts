// A small stand-in of the auth API on a real local HTTP server (node:http), for
// the client's unit tests: sessions with rotating refresh tokens, one
// protected route, and routes that answer any status. It is not the API: e2e
// and browser tests run the real stack.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeApi {
  baseUrl: string;
  /** Requests seen, as "METHOD /path". */
  requests: string[];
  count(route: string): number;
  /** Expiry (seconds) of the access tokens it hands out. */
  expiresIn: number;
  /** Milliseconds each refresh takes (widens race windows). */
  refreshDelayMs: number;
  /** When set, /auth/refresh answers this status instead. */
  refreshStatus: number | undefined;
  /** When set, /messages/protected answers this status whatever the token. */
  protectedStatus: number | undefined;
  /** Makes every access token handed out so far fail (as a retired signing key would). */
  rejectIssuedAccessTokens(): void;
  /** Ends the session (as a signout elsewhere would): its tokens stop working. */
  endSession(): void;
  close(): Promise<void>;
}

/** A JWT-shaped token (unsigned) naming its session, so that the client can read `sid`. */
function fakeJwt(n: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none" })}.${part({ sub: "user-1", sid: "sid-1", n })}.sig`;
}

const user = { id: "user-1", email: "ada@example.com", emailVerified: false, roles: ["user"], createdAt: "2026-01-01T00:00:00.000Z" };

async function readJson(request: IncomingMessage): Promise<any> {
  let text = "";
  for await (const chunk of request) text += chunk;
  return text ? JSON.parse(text) : undefined;
}

export async function startFakeApi(): Promise<FakeApi> {
  let issued = 0;
  let liveRefreshToken: string | undefined;
  const liveAccessTokens = new Set<string>();
  const requests: string[] = [];

  const newSession = () => {
    issued += 1;
    const accessToken = fakeJwt(issued);
    liveAccessTokens.add(accessToken);
    liveRefreshToken = `rt-${issued}`;
    return { user, accessToken, refreshToken: liveRefreshToken, tokenType: "Bearer", expiresIn: api.expiresIn };
  };
  const send = (response: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers });
    response.end(body === undefined ? undefined : JSON.stringify(body));
  };

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    requests.push(`${request.method} ${url.pathname}`);
    const body = await readJson(request);
    const bearer = request.headers.authorization?.replace(/^Bearer /, "");
    switch (`${request.method} ${url.pathname}`) {
      case "POST /auth/signin":
        return send(response, 200, newSession());
      case "POST /auth/refresh":
        await new Promise((resolve) => setTimeout(resolve, api.refreshDelayMs));
        if (api.refreshStatus) return send(response, api.refreshStatus, { message: "Refresh refused by the test" });
        if (!body?.refreshToken || body.refreshToken !== liveRefreshToken) return send(response, 401, { message: "Invalid refresh token" });
        return send(response, 200, newSession());
      case "POST /auth/signout":
        if (!bearer || !liveAccessTokens.has(bearer)) return send(response, 401, { message: "Unauthorized" });
        api.endSession();
        return send(response, 204);
      case "POST /auth/password":
        if (!bearer || !liveAccessTokens.has(bearer)) return send(response, 401, { message: "Unauthorized" });
        if (body?.currentPassword !== "correct horse battery") return send(response, 401, { message: "Current password is incorrect" });
        api.endSession();
        return send(response, 204);
      case "GET /messages/protected":
        if (api.protectedStatus) return send(response, api.protectedStatus, { message: "Refused by the test" });
        if (!bearer || !liveAccessTokens.has(bearer)) return send(response, 401, { message: "Unauthorized" });
        return send(response, 200, { text: "This is a protected message." });
      case "GET /users/me":
        if (!bearer || !liveAccessTokens.has(bearer)) return send(response, 401, { message: "Unauthorized" });
        return send(response, 200, { user });
    }
    // /status/<code>?retryAfter=<header>&text=1: an error answer of that status.
    const status = /^\/status\/(\d{3})$/.exec(url.pathname);
    if (status) {
      const headers: Record<string, string> = {};
      const retryAfter = url.searchParams.get("retryAfter");
      if (retryAfter) headers["retry-after"] = retryAfter;
      if (url.searchParams.has("text")) {
        response.writeHead(Number(status[1]), { "content-type": "text/plain", ...headers });
        return response.end("upstream says no");
      }
      const errors = status[1] === "400" ? [{ field: "email", problem: "is not an email address" }] : undefined;
      return send(response, Number(status[1]), { message: `status ${status[1]}`, errors }, headers);
    }
    send(response, 404, { message: "Not found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const api: FakeApi = {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    count: (route) => requests.filter((seen) => seen === route).length,
    expiresIn: 900,
    refreshDelayMs: 0,
    refreshStatus: undefined,
    protectedStatus: undefined,
    rejectIssuedAccessTokens: () => liveAccessTokens.clear(),
    endSession: () => {
      liveAccessTokens.clear();
      liveRefreshToken = undefined;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return api;
}
