// A small stand-in of the auth API on a real local HTTP server (node:http), for
// the client's unit tests: sessions with rotating refresh tokens, one
// protected route, signin's second step and the second-factor routes (one
// TOTP code and one recovery code that work), the passkey routes (an
// assertion verifies when its clientDataJSON names a challenge the fake
// issued for that ceremony and its credential is registered), and routes
// that answer any status. It is not the API: e2e and browser tests run the real stack.
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
  /** The fake user's passkeys (signin of MFA_EMAIL lists "passkey" among its factors while there is one). */
  passkeys: FakePasskey[];
  /** When true, registering or removing a passkey answers 403 mfa_required (a user with TOTP in a password-only session). */
  passkeyNeedsMultiFactor: boolean;
  /** When true, removing the last passkey answers 409 last_sign_in_method (a user without a password). */
  passwordless: boolean;
  close(): Promise<void>;
}

export interface FakePasskey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt?: string;
  backedUp: boolean;
  transports?: string[];
}

/** The clientDataJSON (base64url) of a fake credential answering `challenge`, as a browser would make it. */
export function fakeClientData(challenge: string, type: "webauthn.create" | "webauthn.get"): string {
  return Buffer.from(JSON.stringify({ type, challenge, origin: "http://localhost:4040" })).toString("base64url");
}

/** A registration response (the WebAuthn JSON form) of credential `id` to the fake's creation options. */
export function fakeRegistration(id: string, options: { challenge: string }) {
  return {
    id,
    rawId: id,
    type: "public-key" as const,
    response: { clientDataJSON: fakeClientData(options.challenge, "webauthn.create"), attestationObject: "o2NmbXRkbm9uZQ", transports: ["internal"] },
    clientExtensionResults: {},
  };
}

/** An assertion (the WebAuthn JSON form) of credential `id` to the fake's request options. */
export function fakeAssertion(id: string, options: { challenge: string }) {
  return {
    id,
    rawId: id,
    type: "public-key" as const,
    response: {
      clientDataJSON: fakeClientData(options.challenge, "webauthn.get"),
      authenticatorData: "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ",
      signature: "MEUCIQ",
      userHandle: Buffer.from("user-1").toString("base64url"),
    },
    clientExtensionResults: {},
  };
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
  /** Unspent challenges -> their ceremony: "registration", "signin", or the mfaToken of a second step. */
  const challenges = new Map<string, string>();
  const newChallenge = (ceremony: string) => {
    const challenge = Buffer.from(`challenge-${challenges.size + 1}-${Math.random()}`).toString("base64url");
    challenges.set(challenge, ceremony);
    return challenge;
  };
  /** Spends the challenge that the credential's clientDataJSON names, if it was issued for `ceremony`. */
  const spendChallenge = (credential: any, ceremony: string): boolean => {
    let challenge: unknown;
    try {
      challenge = JSON.parse(Buffer.from(String(credential?.response?.clientDataJSON ?? ""), "base64url").toString("utf8")).challenge;
    } catch {
      return false;
    }
    if (typeof challenge !== "string" || challenges.get(challenge) !== ceremony) return false;
    challenges.delete(challenge);
    return true;
  };
  const passkeyOf = (id: string) => api.passkeys.find((passkey) => passkey.id === id);

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
          const factors = ["totp", "recovery_code", ...(api.passkeys.length > 0 ? ["passkey"] : [])];
          return send(response, 403, { message: "A second factor is required", code: "mfa_required", mfaToken, factors });
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
          passkeys: api.passkeys.length,
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
      case "POST /users/me/passkeys/options":
        if (!signedIn) return send(response, 401, { message: "Unauthorized" });
        if (api.passkeyNeedsMultiFactor) return send(response, 403, { message: "This needs a multi-factor session", code: "mfa_required" });
        return send(response, 200, {
          challenge: newChallenge("registration"),
          rp: { id: "localhost", name: "Auth API" },
          user: { id: Buffer.from(user.id).toString("base64url"), name: user.email, displayName: user.email },
          pubKeyCredParams: [{ alg: -7, type: "public-key" }, { alg: -257, type: "public-key" }],
          timeout: 300_000,
          excludeCredentials: api.passkeys.map(({ id, transports }) => ({ id, type: "public-key", transports })),
          authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "preferred" },
          attestation: "none",
          extensions: { credProps: true },
        });
      case "POST /users/me/passkeys": {
        if (!signedIn) return send(response, 401, { message: "Unauthorized" });
        if (api.passkeyNeedsMultiFactor) return send(response, 403, { message: "This needs a multi-factor session", code: "mfa_required" });
        if (!spendChallenge(body?.response, "registration")) {
          return send(response, 400, { message: "The passkey could not be verified: start again", code: "invalid_request", errors: [{ field: "response", problem: "does not verify" }] });
        }
        if (passkeyOf(body.response.id)) return send(response, 409, { message: "This passkey is already registered", code: "already_registered" });
        const passkey: FakePasskey = {
          id: body.response.id,
          name: body.name ?? "Passkey",
          createdAt: new Date().toISOString(),
          backedUp: false,
          transports: body.response.response?.transports,
        };
        api.passkeys.push(passkey);
        return send(response, 201, { passkey });
      }
      case "GET /users/me/passkeys":
        if (!signedIn) return send(response, 401, { message: "Unauthorized" });
        return send(response, 200, { passkeys: api.passkeys });
      case "POST /auth/passkeys/options": {
        if (body?.mfaToken === undefined) {
          return send(response, 200, { challenge: newChallenge("signin"), timeout: 300_000, rpId: "localhost", allowCredentials: [], userVerification: "required" });
        }
        if (!mfaTokens.has(body.mfaToken)) return send(response, 401, { message: "Sign in again", code: "mfa_token_invalid" });
        return send(response, 200, {
          challenge: newChallenge(`second-step:${body.mfaToken}`),
          timeout: 300_000,
          rpId: "localhost",
          allowCredentials: api.passkeys.map(({ id, transports }) => ({ id, type: "public-key", transports })),
          userVerification: "required",
        });
      }
      case "POST /auth/passkeys/verify": {
        if (body?.mfaToken !== undefined && !mfaTokens.has(body.mfaToken)) return send(response, 401, { message: "Sign in again", code: "mfa_token_invalid" });
        const passkey = passkeyOf(body?.response?.id);
        const ceremony = body?.mfaToken === undefined ? "signin" : `second-step:${body.mfaToken}`;
        if (!spendChallenge(body?.response, ceremony) || !passkey) return send(response, 401, { message: "The passkey could not be verified", code: "invalid_passkey" });
        if (body.mfaToken !== undefined) mfaTokens.delete(body.mfaToken);
        passkey.lastUsedAt = new Date().toISOString();
        return send(response, 200, newSession());
      }
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
    const passkeyPath = /^\/users\/me\/passkeys\/([^/]+)$/.exec(url.pathname);
    if (passkeyPath && (request.method === "PATCH" || request.method === "DELETE")) {
      if (!signedIn) return send(response, 401, { message: "Unauthorized" });
      const passkey = passkeyOf(decodeURIComponent(passkeyPath[1]!));
      if (!passkey) return send(response, 404, { message: "Passkey not found", code: "not_found" });
      if (request.method === "PATCH") {
        passkey.name = body.name;
        return send(response, 200, { passkey });
      }
      if (api.passkeyNeedsMultiFactor) return send(response, 403, { message: "This needs a multi-factor session", code: "mfa_required" });
      if (api.passwordless && api.passkeys.length === 1) {
        return send(response, 409, { message: "This passkey is your only way to sign in", code: "last_sign_in_method" });
      }
      api.passkeys = api.passkeys.filter((other) => other !== passkey);
      return send(response, 204);
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
    passkeys: [],
    passkeyNeedsMultiFactor: false,
    passwordless: false,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return api;
}
