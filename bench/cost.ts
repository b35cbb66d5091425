// What each operation costs to run: DynamoDB capacity (every call metered by
// capacity-meter.ts), Lambda billed duration at each function's configured
// memory, SES messages and API Gateway requests; then $ per 1M operations at
// list prices and a monthly model beside Cognito and Auth0 (prices.ts).
//
// Runs in its own process (bench/section.ts) before lib/ is imported, so that
// every DynamoDB call of lib/ goes through the meter.
import fs, { readFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { parse } from "yaml";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { apiEvent, lambdaContext } from "../test/helpers/events.js";
import { root } from "./bundle.js";
import { startCapacityMeter, type CapacityMeter, type Tally } from "./capacity-meter.js";
import { fmt, median, sidOf } from "./measure.js";
import { PROFILE, STORED_BYTES_PER_USER, monthlyRows } from "./cost-model.js";
import { PEER_NOTES, PRICES, PRICE_NOTES } from "./prices.js";
import { startBenchProvider } from "./providers.js";
import type { Section } from "./run.js";

const PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "a different horse battery staple";
const RUNS = 5;
/** Lambda gives a function CPU in proportion to its memory: one full vCPU at 1769 MB. */
const FULL_VCPU_MB = 1769;

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** One Lambda invocation an operation causes, with the function's configured memory. */
interface Invocation {
  fn: string;
  wallMs: number;
  cpuMs: number;
}

interface Sample {
  tally: Tally;
  invocations: Invocation[];
  emails: number;
  logBytes: number;
  apiRequests: number;
}

interface OperationCost {
  name: string;
  tally: Tally;
  /** Per function: median modelled duration and GB-s. */
  lambda: { fn: string; memoryMb: number; modelledMs: number; gbSeconds: number }[];
  gbSeconds: number;
  invocations: number;
  apiRequests: number;
  emails: number;
  logBytes: number;
  dollarsPerMillion: number;
}

function memorySizes(): Record<string, number> {
  const sls = parse(readFileSync(join(root, "serverless.yml"), "utf8"), { logLevel: "silent" }) as {
    provider: { memorySize: number };
    functions: Record<string, { memorySize?: number }>;
  };
  return Object.fromEntries(Object.entries(sls.functions).map(([name, fn]) => [name, Number(fn.memorySize ?? sls.provider.memorySize)]));
}

/**
 * Lambda's duration for work measured here on one full core: the waiting
 * (wall − CPU) stays as it is, the CPU part stretches by 1769 MB / memory
 * below one vCPU. Billed in 1 ms steps.
 */
export function billedMs(invocation: Invocation, memoryMb: number): number {
  const wait = Math.max(0, invocation.wallMs - invocation.cpuMs);
  const cpu = invocation.cpuMs * Math.max(1, FULL_VCPU_MB / memoryMb);
  return Math.max(1, Math.ceil(wait + cpu));
}

// The handlers' log lines (pino's synchronous destination and the authorizer's
// line writer both end in fs.writeSync on fd 1) are counted, for CloudWatch Logs.
let logBytes = 0;
function countLogBytes() {
  const original = fs.writeSync as (...args: unknown[]) => number;
  (fs as { writeSync: unknown }).writeSync = (fd: number, buffer: string | NodeJS.ArrayBufferView, ...rest: unknown[]) => {
    if (fd === 1) logBytes += typeof buffer === "string" ? Buffer.byteLength(buffer) : buffer.byteLength;
    return original(fd, buffer, ...rest);
  };
  syncBuiltinESMExports(); // `import { writeSync } from "node:fs"` sees the counter too
}

/** Runs one invocation of function `fn`, recording its wall and CPU time. */
async function timed<T>(fn: string, invocations: Invocation[], run: () => Promise<T>): Promise<T> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  invocations.push({ fn, wallMs, cpuMs: (user + system) / 1000 });
  return result;
}

const invoke = (handler: Handler, fn: string, event: APIGatewayProxyEvent, invocations: Invocation[]) =>
  timed(fn, invocations, () => handler(event, lambdaContext));

const jsonEvent = (method: string, path: string, body?: unknown, extra: Partial<APIGatewayProxyEvent> = {}) =>
  apiEvent({
    httpMethod: method,
    resource: path,
    path,
    headers: { "Content-Type": "application/json", "User-Agent": "bench/1.0" },
    body: body === undefined ? null : JSON.stringify(body),
    ...extra,
  });

export async function run(dynamodbEndpoint: string): Promise<Section> {
  const meter = await startCapacityMeter(dynamodbEndpoint);
  process.env.DYNAMODB_ENDPOINT = meter.endpoint;
  countLogBytes();
  // The provider sign-in's outside provider (the local test IdP, in a child process): named in AUTH_PROVIDERS before lib/ is imported.
  const { idp, providerId } = await startBenchProvider();
  try {
    return await measureAll(meter, providerId);
  } finally {
    await idp.stop();
    await meter.close();
  }
}

async function measureAll(meter: CapacityMeter, providerId: string): Promise<Section> {
  // Imported after DYNAMODB_ENDPOINT points at the meter: lib/config reads it once.
  const signupFn = (await import("../functions/auth/signup.js")).handler as Handler;
  const signinFn = (await import("../functions/auth/signin.js")).handler as Handler;
  const refreshFn = (await import("../functions/auth/refresh.js")).handler as Handler;
  const signoutFn = (await import("../functions/auth/signout.js")).handler as Handler;
  const passwordFn = (await import("../functions/auth/password.js")).handler as Handler;
  const meFn = (await import("../functions/users/me.js")).handler as Handler;
  const authorizer = (await import("../functions/authorizer.js")).handler;
  const { protectedMessage } = await import("../functions/messages.js");
  const sessionsFns = await import("../functions/users/sessions.js");
  const forgotFn = (await import("../functions/auth/forgot-password.js")).handler as Handler;
  const resetFn = (await import("../functions/auth/reset-password.js")).handler as Handler;
  const verifyFn = (await import("../functions/auth/verify-email.js")).handler as Handler;
  const mailer = (await import("../functions/mailer.js")).handler;
  const { listUsersHandler } = await import("../functions/admin/users.js");
  const { sinkJobs } = await import("../test/helpers/lambda-sink.js");
  const { linkToken, mailbox } = await import("../test/helpers/mailbox.js");
  const { writeRolesByOperator } = await import("../lib/admin/account-writes.js");
  const mfaVerifyFn = (await import("../functions/auth/mfa-verify.js")).handler as Handler;
  const mfaFns = await import("../functions/users/mfa.js");
  const { confirmTotp, startTotpEnrollment } = await import("../lib/accounts/second-factor-settings.js");
  const { TOTP_PERIOD_SECONDS, totpCodeAt } = await import("../lib/methods/totp/totp.js");
  const passkeyAuthFns = await import("../functions/auth/passkeys.js");
  const { passkeyRegistrationOptions, registerPasskey } = await import("../lib/accounts/passkey-registration.js");
  const passkeyRegistrationFns = await import("../functions/users/passkey-registration.js");
  const { config } = await import("../lib/platform/config.js");
  const { SoftAuthenticator } = await import("../test/helpers/soft-authenticator.js");
  const authorizeFn = (await import("../functions/oauth2/authorize.js")).handler as Handler;
  const oauthRequestFns = await import("../functions/oauth2/requests.js");
  const tokenFn = (await import("../functions/oauth2/token.js")).handler as Handler;
  const userinfoFn = (await import("../functions/oauth2/userinfo.js")).handler as Handler;
  const { registerClient } = await import("../lib/clients/clients.js");
  const { s256 } = await import("../lib/oauth/authorization.js");
  const providerFns = await import("../functions/auth/providers.js");
  const { signInAtLocalIdp } = await import("../test/helpers/local-idp.js");
  const { authorizeEvent, callbackEvent } = await import("./providers.js");
  const memory = memorySizes();

  // Mail: request handlers queue jobs at a stand-in for Lambda's invoke API (bench/run.ts);
  // each operation then runs the mailer on its jobs, as Lambda would, and its email lands in the local SES engine.
  const lambdaUrl = process.env.LAMBDA_ENDPOINT!;
  const sesStore = () => mailbox(process.env.SES_ENDPOINT!).all();
  let jobsSeen = (await sinkJobs(lambdaUrl)).length;
  async function runMailer(invocations: Invocation[]) {
    const jobs = (await sinkJobs(lambdaUrl)).slice(jobsSeen);
    jobsSeen += jobs.length;
    for (const job of jobs) await timed("mailer", invocations, () => mailer(job));
  }
  /** The token of the last email to `to` whose link goes to `page`. */
  async function tokenFromEmail(to: string, page: "verify-email" | "reset-password"): Promise<string> {
    const email = (await mailbox(process.env.SES_ENDPOINT!).to(to)).at(-1);
    if (!email) throw new Error(`no ${page} email to ${to}`);
    return linkToken(email, process.env.APP_URL || "http://localhost:4040", page);
  }

  /** The API Gateway event of a protected route, with the context the authorizer answered. */
  async function authorized(token: string, invocations: Invocation[], method: string, path: string, body?: unknown) {
    const event = { type: "TOKEN" as const, authorizationToken: `Bearer ${token}`, methodArn: "arn:aws:execute-api:r:1:a/s/GET/x" };
    const result = await timed("authorizer", invocations, () => authorizer(event, lambdaContext));
    return jsonEvent(method, path, body, {
      requestContext: { authorizer: result.context } as unknown as APIGatewayProxyEvent["requestContext"],
    });
  }

  let counter = 0;
  const newUser = async () => {
    const email = `cost-${process.pid}-${counter++}@example.com`;
    const response = await signupFn(jsonEvent("POST", "/auth/signup", { email, password: PASSWORD }), lambdaContext);
    if (response.statusCode !== 201) throw new Error(`signup answered ${response.statusCode}`);
    await runMailer([]); // its verification email, sent outside the measured operation
    return { email, ...(JSON.parse(response.body) as { accessToken: string; refreshToken: string; user: { id: string } }) };
  };

  /**
   * A new user with a confirmed TOTP and its first recovery code. The confirmation spent a step two steps
   * back: a TOTP step works once per user, and the current code must be newer than the last accepted.
   */
  const newMfaUser = async () => {
    const created = await newUser();
    const caller = { userId: created.user.id, sid: sidOf(created.accessToken), multiFactor: false, client: {} };
    const enrolledAt = Date.now() - 2 * TOTP_PERIOD_SECONDS * 1000;
    const { secret } = await startTotpEnrollment(caller, enrolledAt);
    const { recoveryCodes } = await confirmTotp(caller, totpCodeAt(secret, enrolledAt), enrolledAt);
    await runMailer([]); // its mfa-enabled notice, sent outside the measured operation
    return { ...created, secret, recoveryCode: recoveryCodes[0]! };
  };
  /**
   * A new user with one registered passkey, and the authenticator that holds it (a software one, the test suite's).
   * Registered outside the measured operation; its passkey-added notice sent outside it too.
   */
  const authenticators = new Map<string, InstanceType<typeof SoftAuthenticator>>();
  const newPasskeyUser = async () => {
    const created = await newUser();
    const caller = { userId: created.user.id, sid: sidOf(created.accessToken), multiFactor: false, client: {} };
    const authenticator = new SoftAuthenticator({ origin: config.webauthn.origins[0]! });
    await registerPasskey(caller, { response: authenticator.register(await passkeyRegistrationOptions(caller)) });
    await runMailer([]);
    authenticators.set(created.user.id, authenticator);
    return created;
  };

  /** The mfaToken of an MFA user's first step (403 mfa_required). */
  const firstStep = async (email: string) => {
    const answer = await signinFn(jsonEvent("POST", "/auth/signin", { email, password: PASSWORD }), lambdaContext);
    if (answer.statusCode !== 403) throw new Error(`signin of an MFA user answered ${answer.statusCode}`);
    return (JSON.parse(answer.body) as { mfaToken: string }).mfaToken;
  };

  // The OpenID provider's clients, registered once, outside every measured operation: a relying party (a server-side
  // web app: confidential, code + refresh) and a machine client (client credentials). Both authenticate by client_secret_basic.
  const REDIRECT_URI = "http://localhost:5173/callback";
  const basic = (clientId: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString("base64")}`;
  const rp = await registerClient({
    name: "Cost relying party",
    type: "confidential",
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [],
    grantTypes: ["authorization_code", "refresh_token"],
  });
  const machine = await registerClient({ name: "Cost machine", type: "confidential", redirectUris: [], postLogoutRedirectUris: [], grantTypes: ["client_credentials"] });
  // The OIDC rows' user, signed up once under an address of its own: the other rows' users (and so what the users
  // list reads) stay as they were without these rows.
  const oidcEmail = `cost-oidc-${process.pid}@example.com`;
  const oidcSignup = await signupFn(jsonEvent("POST", "/auth/signup", { email: oidcEmail, password: PASSWORD }), lambdaContext);
  if (oidcSignup.statusCode !== 201) throw new Error(`signup answered ${oidcSignup.statusCode}`);
  await runMailer([]);
  const tokenEvent = (authorization: string, body: Record<string, string>) =>
    jsonEvent("POST", "/oauth2/token", undefined, {
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: authorization, "User-Agent": "bench-rp/1.0" },
      body: new URLSearchParams(body).toString(),
    });
  /** The relying party's authorization request: PKCE S256 over `verifier`, a fresh state and nonce, and `extra`. */
  const authorizationQuery = (verifier: string, extra: Record<string, string> = {}) => ({
    response_type: "code",
    client_id: rp.client.clientId,
    redirect_uri: REDIRECT_URI,
    scope: "openid email profile",
    state: randomBytes(16).toString("base64url"),
    nonce: randomBytes(16).toString("base64url"),
    code_challenge: s256(verifier),
    code_challenge_method: "S256",
    ...extra,
  });

  /**
   * A sign-in through the outside provider by the relying party: GET /oauth2/authorize?…&provider= (302 to the provider),
   * the user at the provider (their browser and the provider's servers: no Lambda, no request of ours), the provider's
   * redirect to our callback (which calls the provider's token endpoint: its answer time is billed as waiting), and the
   * relying party's code exchange. The answer of the code exchange.
   */
  async function providerSignin(email: string, inv: Invocation[]): Promise<APIGatewayProxyResult> {
    const verifier = randomBytes(32).toString("base64url");
    const authorize = await invoke(authorizeFn, "oauthAuthorize", authorizeEvent(authorizationQuery(verifier, { provider: providerId })), inv);
    if (authorize.statusCode !== 302) return authorize;
    const { callback } = await signInAtLocalIdp(String(authorize.headers?.Location), email, { deliver: false });
    const answered = await invoke(providerFns.callbackGetHandler as Handler, "providerCallbackGet", callbackEvent(providerId, callback.params), inv);
    const code = answered.statusCode === 302 ? new URL(String(answered.headers?.Location)).searchParams.get("code") : null;
    if (!code) return { statusCode: answered.statusCode === 302 ? 400 : answered.statusCode, body: String(answered.headers?.Location ?? answered.body) };
    return invoke(
      tokenFn,
      "oauthToken",
      tokenEvent(basic(rp.client.clientId, rp.clientSecret!), { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
      inv,
    );
  }

  /** An operation: `prepare` (not measured) sets up state, `act` is what a client's one request costs. */
  interface Operation {
    name: string;
    prepare: () => Promise<Record<string, string>>;
    act: (state: Record<string, string>, invocations: Invocation[]) => Promise<APIGatewayProxyResult>;
    expect: number;
    /** API Gateway requests of this API the operation makes (the authorizer alone fronts the team's own APIs: 0). */
    apiRequests?: number;
  }
  const operations: Operation[] = [
    {
      name: "signup",
      prepare: async () => ({ email: `cost-${process.pid}-${counter++}@example.com` }),
      act: (s, inv) => invoke(signupFn, "signup", jsonEvent("POST", "/auth/signup", { email: s.email, password: PASSWORD }), inv),
      expect: 201,
    },
    {
      name: "forgot password",
      prepare: async () => ({ email: (await newUser()).email }),
      act: (s, inv) => invoke(forgotFn, "forgotPassword", jsonEvent("POST", "/auth/password/forgot", { email: s.email }), inv),
      expect: 202,
    },
    {
      name: "forgot password, unknown address",
      prepare: async () => ({ email: `nobody-${process.pid}-${counter++}@example.com` }),
      act: (s, inv) => invoke(forgotFn, "forgotPassword", jsonEvent("POST", "/auth/password/forgot", { email: s.email }), inv),
      expect: 202,
    },
    {
      name: "password reset",
      prepare: async () => {
        const { email } = await newUser();
        await forgotFn(jsonEvent("POST", "/auth/password/forgot", { email }), lambdaContext);
        await runMailer([]);
        return { token: await tokenFromEmail(email, "reset-password") };
      },
      act: (s, inv) => invoke(resetFn, "resetPassword", jsonEvent("POST", "/auth/password/reset", { token: s.token, newPassword: NEW_PASSWORD }), inv),
      expect: 204,
    },
    {
      name: "verify email",
      prepare: async () => {
        const { email } = await newUser();
        return { token: await tokenFromEmail(email, "verify-email") };
      },
      act: (s, inv) => invoke(verifyFn, "verifyEmail", jsonEvent("POST", "/auth/email/verify", { token: s.token }), inv),
      expect: 200,
    },
    {
      name: "GET /users (admin, a page of 50)",
      prepare: async () => {
        const { email, user } = await newUser();
        await writeRolesByOperator(user.id, ["user", "admin"], { userId: user.id, type: "roles_changed", at: Date.now() });
        const signedIn = await signinFn(jsonEvent("POST", "/auth/signin", { email, password: PASSWORD }), lambdaContext);
        return { accessToken: JSON.parse(signedIn.body).accessToken };
      },
      act: async (s, inv) => {
        const event = await authorized(s.accessToken, inv, "GET", "/users");
        return invoke(listUsersHandler as Handler, "listUsers", { ...event, queryStringParameters: { limit: "50" } }, inv);
      },
      expect: 200,
    },
    {
      name: "signin",
      prepare: async () => ({ email: (await newUser()).email }),
      act: (s, inv) => invoke(signinFn, "signin", jsonEvent("POST", "/auth/signin", { email: s.email, password: PASSWORD }), inv),
      expect: 200,
    },
    {
      name: "refresh",
      prepare: async () => ({ refreshToken: (await newUser()).refreshToken }),
      act: (s, inv) => invoke(refreshFn, "refresh", jsonEvent("POST", "/auth/refresh", { refreshToken: s.refreshToken }), inv),
      expect: 200,
    },
    {
      name: "refresh, repeated within the grace window",
      prepare: async () => {
        const { refreshToken } = await newUser();
        const first = await invoke(refreshFn, "refresh", jsonEvent("POST", "/auth/refresh", { refreshToken }), []);
        if (first.statusCode !== 200) throw new Error(`refresh answered ${first.statusCode}`);
        return { refreshToken };
      },
      act: (s, inv) => invoke(refreshFn, "refresh", jsonEvent("POST", "/auth/refresh", { refreshToken: s.refreshToken }), inv),
      expect: 200,
    },
    {
      name: "GET /users/me/sessions (2 sessions)",
      prepare: async () => {
        const { email, accessToken } = await newUser();
        const second = await signinFn(jsonEvent("POST", "/auth/signin", { email, password: PASSWORD }), lambdaContext);
        if (second.statusCode !== 200) throw new Error(`signin answered ${second.statusCode}`);
        return { accessToken };
      },
      act: async (s, inv) =>
        invoke(sessionsFns.list as Handler, "listSessions", await authorized(s.accessToken, inv, "GET", "/users/me/sessions"), inv),
      expect: 200,
    },
    {
      name: "DELETE /users/me/sessions/{sid}",
      prepare: async () => {
        const { email, accessToken } = await newUser();
        const other = await signinFn(jsonEvent("POST", "/auth/signin", { email, password: PASSWORD }), lambdaContext);
        const { sid } = JSON.parse(Buffer.from(JSON.parse(other.body).accessToken.split(".")[1], "base64url").toString()) as { sid: string };
        return { accessToken, sid };
      },
      act: async (s, inv) => {
        const event = await authorized(s.accessToken, inv, "DELETE", "/users/me/sessions/{sid}");
        return invoke(sessionsFns.revoke as Handler, "revokeSession", { ...event, pathParameters: { sid: s.sid! } }, inv);
      },
      expect: 204,
    },
    {
      name: "signout (this session)",
      prepare: async () => ({ accessToken: (await newUser()).accessToken }),
      act: async (s, inv) => invoke(signoutFn, "signout", await authorized(s.accessToken, inv, "POST", "/auth/signout"), inv),
      expect: 204,
    },
    {
      name: "password change",
      prepare: async () => ({ accessToken: (await newUser()).accessToken }),
      act: async (s, inv) =>
        invoke(
          passwordFn,
          "password",
          await authorized(s.accessToken, inv, "POST", "/auth/password", { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
          inv,
        ),
      expect: 204,
    },
    {
      name: "GET /users/me",
      prepare: async () => ({ accessToken: (await newUser()).accessToken }),
      act: async (s, inv) => invoke(meFn, "me", await authorized(s.accessToken, inv, "GET", "/users/me"), inv),
      expect: 200,
    },
    {
      name: "authorizer (uncached)",
      prepare: async () => ({ accessToken: (await newUser()).accessToken }),
      act: async (s, inv) => {
        const event = await authorized(s.accessToken, inv, "GET", "/messages/protected");
        return { statusCode: event.requestContext.authorizer?.session === "active" ? 200 : 401, body: "" };
      },
      expect: 200,
      apiRequests: 0,
    },
    {
      name: "authorized request (authorizer + a handler that reads nothing)",
      prepare: async () => ({ accessToken: (await newUser()).accessToken }),
      act: async (s, inv) =>
        invoke(protectedMessage as Handler, "protectedMessage", await authorized(s.accessToken, inv, "GET", "/messages/protected"), inv),
      expect: 200,
    },
    // The second factor: per operation only (the monthly profile below has no MFA users).
    {
      name: "TOTP enroll (POST /users/me/mfa/totp)",
      prepare: async () => ({ accessToken: (await newUser()).accessToken }),
      act: async (s, inv) =>
        invoke(mfaFns.enrollTotp as Handler, "enrollTotp", await authorized(s.accessToken, inv, "POST", "/users/me/mfa/totp"), inv),
      expect: 201,
    },
    {
      name: "TOTP confirm (POST /users/me/mfa/totp/confirm)",
      prepare: async () => {
        const { accessToken, user } = await newUser();
        const { secret } = await startTotpEnrollment({ userId: user.id, sid: sidOf(accessToken), multiFactor: false, client: {} });
        return { accessToken, secret };
      },
      act: async (s, inv) => {
        const event = await authorized(s.accessToken, inv, "POST", "/users/me/mfa/totp/confirm", { code: totpCodeAt(s.secret!, Date.now()) });
        return invoke(mfaFns.confirmTotpHandler as Handler, "confirmTotp", event, inv);
      },
      expect: 200,
    },
    {
      name: "signin, MFA user (first step: 403 mfa_required)",
      prepare: async () => ({ email: (await newMfaUser()).email }),
      act: (s, inv) => invoke(signinFn, "signin", jsonEvent("POST", "/auth/signin", { email: s.email, password: PASSWORD }), inv),
      expect: 403,
    },
    {
      name: "second step, TOTP code (POST /auth/mfa/verify)",
      prepare: async () => {
        const { email, secret } = await newMfaUser();
        return { mfaToken: await firstStep(email), secret };
      },
      act: (s, inv) => {
        const body = { mfaToken: s.mfaToken, factor: "totp", code: totpCodeAt(s.secret!, Date.now()) };
        return invoke(mfaVerifyFn, "mfaVerify", jsonEvent("POST", "/auth/mfa/verify", body), inv);
      },
      expect: 200,
    },
    {
      name: "second step, recovery code (POST /auth/mfa/verify)",
      prepare: async () => {
        const { email, recoveryCode } = await newMfaUser();
        return { mfaToken: await firstStep(email), recoveryCode };
      },
      act: (s, inv) =>
        invoke(mfaVerifyFn, "mfaVerify", jsonEvent("POST", "/auth/mfa/verify", { mfaToken: s.mfaToken, factor: "recovery_code", code: s.recoveryCode }), inv),
      expect: 200,
    },
    // Passkeys: per operation only (the monthly profile below has no passkey users).
    {
      name: "passkey registration (options + POST /users/me/passkeys)",
      prepare: async () => {
        const { accessToken, user } = await newUser();
        authenticators.set(user.id, new SoftAuthenticator({ origin: config.webauthn.origins[0]! }));
        return { accessToken, userId: user.id };
      },
      act: async (s, inv) => {
        const optionsEvent = await authorized(s.accessToken!, inv, "POST", "/users/me/passkeys/options");
        const options = await invoke(passkeyRegistrationFns.options as Handler, "passkeyRegistrationOptions", optionsEvent, inv);
        if (options.statusCode !== 200) return options;
        // The authenticator's part is the user's device: no Lambda, not timed.
        const response = authenticators.get(s.userId!)!.register(JSON.parse(options.body));
        // Seconds after the first request with the same token: the authorizer's cache (60 s) answers.
        const event = jsonEvent("POST", "/users/me/passkeys", { response, name: "Laptop" }, { requestContext: optionsEvent.requestContext });
        return invoke(passkeyRegistrationFns.register as Handler, "registerPasskey", event, inv);
      },
      expect: 201,
      apiRequests: 2,
    },
    {
      name: "passkey signin (options + POST /auth/passkeys/verify)",
      prepare: async () => ({ userId: (await newPasskeyUser()).user.id }),
      act: async (s, inv) => {
        const options = await invoke(passkeyAuthFns.options as Handler, "passkeyOptions", jsonEvent("POST", "/auth/passkeys/options", {}), inv);
        if (options.statusCode !== 200) return options;
        const response = authenticators.get(s.userId!)!.authenticate(JSON.parse(options.body));
        return invoke(passkeyAuthFns.verify as Handler, "passkeyVerify", jsonEvent("POST", "/auth/passkeys/verify", { response }), inv);
      },
      expect: 200,
      apiRequests: 2,
    },
    // The OpenID provider: per operation only (the monthly profile below signs its users in through the JSON routes).
    {
      // The hosted page holds a first-party session: the user signed in there (not measured: that is the signin row).
      name: "OIDC sign-in (authorize, request, complete, code exchange, userinfo)",
      prepare: async () => {
        const signedIn = await signinFn(jsonEvent("POST", "/auth/signin", { email: oidcEmail, password: PASSWORD }), lambdaContext);
        if (signedIn.statusCode !== 200) throw new Error(`signin answered ${signedIn.statusCode}`);
        return { accessToken: (JSON.parse(signedIn.body) as { accessToken: string }).accessToken, verifier: randomBytes(32).toString("base64url") };
      },
      act: async (s, inv) => {
        // The browser at GET /oauth2/authorize: 302 to the hosted page.
        const authorize = await invoke(authorizeFn, "oauthAuthorize", authorizeEvent(authorizationQuery(s.verifier!)), inv);
        const requestId = authorize.statusCode === 302 ? new URL(String(authorize.headers?.Location)).searchParams.get("request") : null;
        if (!requestId) return authorize;
        // The hosted page: what the request is (public), then its completion with the page's session (behind the authorizer).
        const pathParameters = { requestId };
        const described = await invoke(oauthRequestFns.describeHandler as Handler, "oauthRequest", jsonEvent("GET", "/oauth2/requests/{requestId}", undefined, { pathParameters }), inv);
        if (described.statusCode !== 200) return described;
        const completeEvent = await authorized(s.accessToken!, inv, "POST", "/oauth2/requests/{requestId}/complete");
        const completed = await invoke(oauthRequestFns.completeHandler as Handler, "oauthComplete", { ...completeEvent, pathParameters }, inv);
        if (completed.statusCode !== 200) return completed;
        // The relying party: the code for tokens (client_secret_basic, PKCE), then the user's claims.
        const code = new URL((JSON.parse(completed.body) as { redirectTo: string }).redirectTo).searchParams.get("code")!;
        const tokens = await invoke(
          tokenFn,
          "oauthToken",
          tokenEvent(basic(rp.client.clientId, rp.clientSecret!), { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: s.verifier! }),
          inv,
        );
        if (tokens.statusCode !== 200) return tokens;
        const { access_token: accessToken } = JSON.parse(tokens.body) as { access_token: string };
        return invoke(userinfoFn, "oauthUserinfo", await authorized(accessToken, inv, "GET", "/oauth2/userinfo"), inv);
      },
      expect: 200,
      apiRequests: 5,
    },
    {
      name: "machine token (client credentials + one authorizer check)",
      prepare: async () => ({}),
      act: async (_s, inv) => {
        const answer = await invoke(tokenFn, "oauthToken", tokenEvent(basic(machine.client.clientId, machine.clientSecret!), { grant_type: "client_credentials" }), inv);
        if (answer.statusCode !== 200) return answer;
        // The token at the team's API: the authorizer alone (its one read of the client), no handler of ours.
        const event = await authorized((JSON.parse(answer.body) as { access_token: string }).access_token, inv, "GET", "/messages/protected");
        const context = event.requestContext.authorizer as { kind?: string; session?: string } | undefined;
        return { statusCode: context?.kind === "client" && context.session === "active" ? 200 : 401, body: "" };
      },
      expect: 200,
      apiRequests: 1,
    },
    // Outside identity providers: per operation only (the monthly profile below signs its users in through the JSON routes).
    {
      // A returning user: the identity was linked by a first sign-in through the provider (not measured).
      name: "provider sign-in, returning user (authorize, callback, code exchange)",
      prepare: async () => {
        const email = `cost-provider-${process.pid}-${counter++}@example.com`;
        const first = await providerSignin(email, []);
        if (first.statusCode !== 200) throw new Error(`the first provider sign-in answered ${first.statusCode}: ${first.body}`);
        await runMailer([]); // whatever the first sign-in queued, sent outside the measured operation
        return { email };
      },
      act: (s, inv) => providerSignin(s.email!, inv),
      expect: 200,
      apiRequests: 3,
    },
  ];

  async function sample(op: Operation): Promise<Sample> {
    const state = await op.prepare();
    const invocations: Invocation[] = [];
    const logsBefore = logBytes;
    const emailsBefore = (await sesStore()).length;
    const { result, tally } = await meter.measure(async () => {
      const answer = await op.act(state, invocations);
      await runMailer(invocations); // what the operation queued, as the mailer does it after the answer
      return answer;
    });
    if (result.statusCode !== op.expect) throw new Error(`${op.name} answered ${result.statusCode}: ${result.body}`);
    const emails = (await sesStore()).length - emailsBefore;
    return { tally, invocations, emails, logBytes: logBytes - logsBefore, apiRequests: op.apiRequests ?? 1 };
  }

  const seed = await seeder();
  await seed(100);
  // Warm: first connections, JIT, the signing key.
  for (const op of operations) await sample(op);
  const measured: OperationCost[] = [];
  for (const op of operations) {
    const samples: Sample[] = [];
    for (let i = 0; i < RUNS; i++) samples.push(await sample(op));
    measured.push(cost(op.name, samples, memory));
  }
  // Scale: the same operations with 10,000 users (and their sessions) in the tables.
  const seeded = await seed(10_000);
  const atScale = new Map<string, Tally>();
  for (const op of operations) atScale.set(op.name, (await sample(op)).tally);
  const sameAtScale = measured.every((m) => canonical(m.tally) === canonical(atScale.get(m.name)!));
  const noScans = [...atScale.values()].every((t) => t.scans === 0);

  const perMillion = Object.fromEntries(measured.map((m) => [m.name, m.dollarsPerMillion]));
  const missing = Object.keys(PROFILE.perUser).filter((name) => perMillion[name] === undefined);
  const usd = (n: number) => `$${n.toLocaleString("en-US", { maximumFractionDigits: n < 100 ? 2 : 0, minimumFractionDigits: n < 100 ? 2 : 0 })}`;
  const twoSteps = (perMillion["signin, MFA user (first step: 403 mfa_required)"] ?? 0) + (perMillion["second step, TOTP code (POST /auth/mfa/verify)"] ?? 0);
  const mfaNote = [
    "The profile's users have no second factor: the MFA rows above are per operation. A signin in two steps (the first step",
    `and the second with a TOTP code) costs ${usd(twoSteps)} per 1M against ${usd(perMillion.signin ?? 0)} for a signin without.`,
    "Nor passkeys: a passkey signin (options and verify, two requests, no bcrypt) costs",
    `${usd(perMillion["passkey signin (options + POST /auth/passkeys/verify)"] ?? 0)} per 1M.`,
    "Nor the OpenID provider: an OIDC sign-in by a relying party (authorize, the hosted page's request and completion, the",
    `code exchange and one userinfo, five requests) costs ${usd(perMillion["OIDC sign-in (authorize, request, complete, code exchange, userinfo)"] ?? 0)} per 1M with the`,
    "hosted page's session at hand (a sign-in there first adds a signin; single sign-on adds the page's GET /users/me check",
    "instead, whose authorizer answer the completion then finds cached), and a machine token (client credentials, then the",
    `authorizer's check of it at an API) ${usd(perMillion["machine token (client credentials + one authorizer check)"] ?? 0)} per 1M.`,
    "Nor outside providers: a returning user's sign-in through one (authorize, the provider's callback with its token call,",
    `the code exchange, three requests) costs ${usd(perMillion["provider sign-in, returning user (authorize, callback, code exchange)"] ?? 0)} per 1M, the provider's answer time billed as waiting.`,
  ];
  const model =
    missing.length > 0
      ? [`The monthly model needs a measured cost for: ${missing.join(", ")}.`]
      : [
          "| monthly active users | this API | Cognito Lite | Cognito Essentials | Cognito Plus |",
          "|---:|---:|---:|---:|---:|",
          ...monthlyRows(perMillion).map(
            (r) => `| ${r.mau.toLocaleString("en-US")} | ${usd(r.ours)} | ${usd(r.cognitoLite)} | ${usd(r.cognitoEssentials)} | ${usd(r.cognitoPlus)} |`,
          ),
          "",
          `Usage profile, ${PROFILE.label}. Storage: ${STORED_BYTES_PER_USER / 1024} KiB per user at $${PRICES.dynamodbStorageGbMonth} per GB-month.`,
          "Our column is AWS usage only: no free tier, no support plan, and not the engineers who run it.",
          ...mfaNote,
          ...PEER_NOTES,
        ];

  const lines = [
    `Every operation run ${RUNS} times in process against DynamoDB Local, bcrypt at cost ${process.env.BCRYPT_COST} (deployed);`,
    "capacity from `ReturnConsumedCapacity: \"TOTAL\"` on every DynamoDB call (a metering proxy in front of DynamoDB Local),",
    "Lambda duration measured here and modelled at each function's memory (below).",
    "",
    "| operation | DynamoDB calls | read units | write units | Lambda invocations | billed GB-s | SES messages | API requests | $ per 1M |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ...measured.map(
      (m) =>
        `| ${m.name} | ${Object.entries(m.tally.calls).map(([k, v]) => `${k} ×${v}`).join(", ")} | ${fmt(m.tally.readUnits)} | ${fmt(m.tally.writeUnits)} | ${m.invocations} | ${m.gbSeconds.toFixed(4)} | ${m.emails} | ${m.apiRequests} | ${fmt(m.dollarsPerMillion, 2)} |`,
    ),
    "",
    "| operation | function (memory) | modelled duration (ms) |",
    "|---|---|---:|",
    ...measured.flatMap((m) => m.lambda.map((l) => `| ${m.name} | ${l.fn} (${l.memoryMb} MB) | ${fmt(l.modelledMs, 0)} |`)),
    "",
    ...PRICE_NOTES,
    "",
    "Lambda duration: measured here in process on one full core (wall and CPU time per invocation), then modelled for",
    `Lambda, which gives a function CPU in proportion to its memory (one vCPU at ${FULL_VCPU_MB} MB): the time spent`,
    "waiting stays, the CPU time stretches by 1769 / memory below that, billed in 1 ms steps. DynamoDB Local answers",
    "in about the time DynamoDB does within a region (a few ms), so the waiting is of the right order.",
    "",
    "### Monthly model",
    "",
    ...model,
    "",
    "### Scale",
    "",
    `Each operation again with ${seeded.toLocaleString("en-US")} users and their sessions in the tables, against 100 before:`,
    "",
    "| operation | read units (100 → 10,000 users) | write units | items read | scans |",
    "|---|---|---|---|---:|",
    ...measured.map((m) => {
      const big = atScale.get(m.name)!;
      const pair = (a: number, b: number) => `${fmt(a)} → ${fmt(b)}`;
      return `| ${m.name} | ${pair(m.tally.readUnits, big.readUnits)} | ${pair(m.tally.writeUnits, big.writeUnits)} | ${m.tally.itemsRead} → ${big.itemsRead} | ${big.scans} |`;
    }),
    "",
    "No request path scans: every read is a keyed GetItem, a BatchGetItem of known keys, or a Query of one partition",
    "bounded by a limit (a page of the users or events list: `limit`, at most 100; the device list: at most 1,000 sessions).",
    "The users list reads its page (50 here) plus the caller's session and user at the authorizer.",
  ];
  return {
    title: "Cost",
    lines,
    goals: [
      { text: "capacity per operation the same with 100 and 10,000 users", met: sameAtScale, value: sameAtScale ? "same" : "differs" },
      { text: "no request path scans", met: noScans, value: noScans ? "0 scans" : "scans" },
    ],
  };
}

/**
 * Fills the tables up to `target` users, each with a live session, through the
 * store's own writes (so the items are the API's), without bcrypt per user.
 */
async function seeder(): Promise<(target: number) => Promise<number>> {
  const { userCreateItems } = await import("../lib/users/user-store.js");
  const { sessionPut } = await import("../lib/sessions/session-store.js");
  const { transactWrite } = await import("../lib/platform/transactions.js");
  const { newSession } = await import("../lib/sessions/sessions.js");
  const { hashPassword } = await import("../lib/methods/password/password.js");
  const passwordHash = await hashPassword(PASSWORD);
  let count = 0;
  return async (target) => {
    const one = async (i: number) => {
      const userId = randomUUID();
      const now = Date.now();
      const { record } = newSession({ userId }, ["pwd"], now);
      const user = { userId, email: `seed-${i}-${userId.slice(0, 8)}@example.com`, roles: ["user"], passwordHash, createdAt: new Date(now).toISOString() };
      await transactWrite([...userCreateItems(user), sessionPut(record)]);
    };
    while (count < target) {
      const batch = Math.min(16, target - count);
      await Promise.all(Array.from({ length: batch }, (_, k) => one(count + k)));
      count += batch;
    }
    return count;
  };
}

/** A tally as text, its calls in a fixed order (calls made in parallel are counted in any order). */
const canonical = (tally: Tally) => JSON.stringify({ ...tally, calls: Object.fromEntries(Object.entries(tally.calls).sort()) });

function cost(name: string, samples: Sample[], memory: Record<string, number>): OperationCost {
  const tally = samples[0]!.tally;
  for (const s of samples) {
    if (canonical(s.tally) !== canonical(tally)) {
      throw new Error(`${name}: capacity differs between runs: ${JSON.stringify(tally)} and ${JSON.stringify(s.tally)}`);
    }
  }
  const fns = [...new Set(samples[0]!.invocations.map((i) => i.fn))];
  const lambda = fns.map((fn) => {
    const memoryMb = memory[fn] ?? 256;
    const modelledMs = median(samples.map((s) => s.invocations.filter((i) => i.fn === fn).reduce((sum, i) => sum + billedMs(i, memoryMb), 0)));
    return { fn, memoryMb, modelledMs, gbSeconds: (modelledMs / 1000) * (memoryMb / 1024) };
  });
  const gbSeconds = lambda.reduce((sum, l) => sum + l.gbSeconds, 0);
  const invocations = samples[0]!.invocations.length;
  const emails = samples[0]!.emails;
  for (const s of samples) if (s.emails !== emails) throw new Error(`${name}: emails differ between runs`);
  const logBytes = median(samples.map((s) => s.logBytes));
  const apiRequests = samples[0]!.apiRequests;
  const dollarsPerMillion =
    tally.readUnits * PRICES.dynamodbReadUnit * 1e6 +
    tally.writeUnits * PRICES.dynamodbWriteUnit * 1e6 +
    gbSeconds * PRICES.lambdaGbSecond * 1e6 +
    invocations * PRICES.lambdaRequest * 1e6 +
    apiRequests * PRICES.apiGatewayRequest * 1e6 +
    emails * PRICES.sesMessage * 1e6 +
    (logBytes / 2 ** 30) * PRICES.cloudWatchLogsGb * 1e6;
  return { name, tally, lambda, gbSeconds, invocations, apiRequests, emails, logBytes, dollarsPerMillion };
}
