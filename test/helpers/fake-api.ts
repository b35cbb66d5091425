// A small stand-in of the auth API on a real local HTTP server (node:http), for
// the client's unit tests: sessions with rotating refresh tokens, one
// protected route, signin's second step and the second-factor routes (one
// TOTP code and one recovery code that work), and routes that answer any
// status. It is not the API: e2e and browser tests run the real stack.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeApi {
  baseUrl: string;
  /** Requests seen, as "METHOD /path". */
  requests: string[];
  count(route: string): number;
  /** The JSON body of the latest request to `route` ("METHOD /path"). */
  lastBody(route: string): unknown;
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
  /** The fake user's second factor, for the /users/me/mfa routes (signin of MFA_EMAIL asks for the second step regardless). */
  mfa: { totpEnabled: boolean; pendingEnrollment: boolean; recoveryCodesLeft: number };
  close(): Promise<void>;
}

/** A JWT-shaped token (unsigned) naming its session, so that the client can read `sid`. */
function fakeJwt(n: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none" })}.${part({ sub: "user-1", sid: "sid-1", n })}.sig`;
}

const user = { id: "user-1", email: "ada@example.com", emailVerified: false, roles: ["user"], createdAt: "2026-01-01T00:00:00.000Z", mfaEnabled: false };

/** Signin of this email answers 403 `mfa_required` (as for a user with TOTP); of DISABLED_EMAIL, 403 `account_disabled`. */
export const MFA_EMAIL = "grace@example.com";
export const DISABLED_EMAIL = "off@example.com";
/** The TOTP code and the recovery code the fake accepts (each mfaToken works once, and for at most 5 wrong codes). */
export const GOOD_TOTP = "123456";
export const GOOD_RECOVERY_CODE = "abcd-efgh-2345";
const RECOVERY_CODES = Array.from({ length: 10 }, (_, n) => `code-${String(n).padStart(4, "0")}-wxyz`);

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
  const bodies = new Map<string, unknown>();
  /** mfaToken -> wrong codes so far; gone once used or spent. */
  const mfaTokens = new Map<string, number>();

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
    bodies.set(`${request.method} ${url.pathname}`, body);
    const bearer = request.headers.authorization?.replace(/^Bearer /, "");
    const signedIn = !!bearer && liveAccessTokens.has(bearer);
    const codeIsGood = (code: unknown) => code === GOOD_TOTP || code === GOOD_RECOVERY_CODE;
    const wrongCode = () => send(response, 401, { message: "The code is not valid", code: "invalid_mfa_code" });
    switch (`${request.method} ${url.pathname}`) {
      case "POST /auth/signin":
        if (body?.email === DISABLED_EMAIL) return send(response, 403, { message: "This account is disabled", code: "account_disabled" });
        if (body?.email === MFA_EMAIL) {
          const mfaToken = `mfa-token-${mfaTokens.size + 1}`;
          mfaTokens.set(mfaToken, 0);
          return send(response, 403, { message: "A second factor is required", code: "mfa_required", mfaToken, factors: ["totp", "recovery_code"] });
        }
        return send(response, 200, newSession());
      case "POST /auth/mfa/verify": {
        const wrong = mfaTokens.get(body?.mfaToken);
        if (wrong === undefined || wrong >= 5) return send(response, 401, { message: "Sign in again", code: "mfa_token_invalid" });
        const good = body.factor === "totp" ? body.code === GOOD_TOTP : body.factor === "recovery_code" && body.code === GOOD_RECOVERY_CODE;
        if (!good) {
          mfaTokens.set(body.mfaToken, wrong + 1);
          return wrongCode();
        }
        mfaTokens.delete(body.mfaToken);
        return send(response, 200, newSession());
      }
      case "GET /users/me/mfa":
        if (!signedIn) return send(response, 401, { message: "Unauthorized" });
        return send(response, 200, {
          totp: api.mfa.totpEnabled ? { enabled: true, createdAt: "2026-01-02T00:00:00.000Z" } : { enabled: false },
          passkeys: 0,
          recoveryCodes: { remaining: api.mfa.recoveryCodesLeft },
        });
      case "POST /users/me/mfa/totp":
        if (!signedIn) return send(response, 401, { message: "Unauthorized" });
        if (api.mfa.totpEnabled) return send(response, 409, { message: "TOTP is already enabled", code: "mfa_already_enabled" });
        api.mfa.pendingEnrollment = true;
        return send(response, 201, {
          secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
          otpauthUri: "otpauth://totp/Auth:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Auth",
        });
      case "POST /users/me/mfa/totp/confirm":
        if (!signedIn) return send(response, 401, { message: "Unauthorized" });
        if (!api.mfa.pendingEnrollment) return send(response, 409, { message: "No enrollment to confirm", code: "no_pending_enrollment" });
        if (body?.code !== GOOD_TOTP) return wrongCode();
        Object.assign(api.mfa, { totpEnabled: true, pendingEnrollment: false, recoveryCodesLeft: 10 });
        return send(response, 200, { recoveryCodes: RECOVERY_CODES });
      case "DELETE /users/me/mfa/totp":
        if (!signedIn) return send(response, 401, { message: "Unauthorized" });
        if (!codeIsGood(body?.code)) return wrongCode();
        Object.assign(api.mfa, { totpEnabled: false, recoveryCodesLeft: 0 });
        return send(response, 204);
      case "POST /users/me/mfa/recovery-codes":
        if (!signedIn) return send(response, 401, { message: "Unauthorized" });
        if (!codeIsGood(body?.code)) return wrongCode();
        api.mfa.recoveryCodesLeft = 10;
        return send(response, 200, { recoveryCodes: RECOVERY_CODES.map((code) => code.replace("wxyz", "new0")) });
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
    if (request.method === "DELETE" && /^\/users\/[^/]+\/mfa$/.test(url.pathname)) {
      if (!signedIn) return send(response, 401, { message: "Unauthorized" });
      return send(response, 204);
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
    lastBody: (route) => bodies.get(route),
    expiresIn: 900,
    refreshDelayMs: 0,
    refreshStatus: undefined,
    protectedStatus: undefined,
    rejectIssuedAccessTokens: () => liveAccessTokens.clear(),
    endSession: () => {
      liveAccessTokens.clear();
      liveRefreshToken = undefined;
    },
    mfa: { totpEnabled: false, pendingEnrollment: false, recoveryCodesLeft: 0 },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return api;
}
