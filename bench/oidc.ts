// The OpenID provider, in process against DynamoDB Local: the token endpoint's code
// exchange (POST /oauth2/token, authorization_code with PKCE, client_secret_basic),
// the authorize redirect (GET /oauth2/authorize → 302 to the hosted page) and a
// machine token (client_credentials, client_secret_basic); beside them, in the same
// run, POST /auth/refresh (the JSON routes' own session round: reads, one transaction,
// one signature), one keyed GetItem and one RS256 signature.
//
// A code is single use and lives 60 s: each run makes its own. The authorize request
// it comes from is the run's timed authorize redirect; the hosted page's completion
// (completeRequest with the section's first-party session, which issues the code) is
// not timed.
import { randomBytes } from "node:crypto";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { registerClient } from "../lib/clients/clients.js";
import type { Caller } from "../lib/http/caller.js";
import { issueAccessToken } from "../lib/keys/access-tokens.js";
import { signingKey } from "../lib/keys/signing-keys.js";
import { completeRequest, s256 } from "../lib/oauth/authorization.js";
import { issueIdToken } from "../lib/oauth/id-tokens.js";
import { config } from "../lib/platform/config.js";
import { getItem } from "../lib/platform/dynamodb.js";
import type { Session } from "../lib/sessions/sessions.js";
import { apiEvent, lambdaContext } from "../test/helpers/events.js";
import { fmt, median, percentile, sidOf } from "./measure.js";
import type { Section } from "./run.js";

const RUNS = 60;
const WARM_RUNS = 5;
const REDIRECT_URI = "http://localhost:5173/callback";
const SCOPE = "openid email profile";

/** A timed handler call: wall and CPU time of this process (the rest is waiting: DynamoDB Local, or the CPU on a busy machine). */
interface Timing {
  ms: number;
  cpuMs: number;
}

/** RFC 6749 2.3.1: both parts form-encoded, then Basic. */
const basic = (clientId: string, secret: string) => {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString("base64")}`;
};

const form = (authorization: string, body: Record<string, string>) =>
  apiEvent({
    httpMethod: "POST",
    resource: "/oauth2/token",
    path: "/oauth2/token",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: authorization, "User-Agent": "bench-rp/1.0" },
    body: new URLSearchParams(body).toString(),
  });

/** GET /oauth2/authorize as API Gateway passes it (single and multi-value query parameters). */
const authorizeEvent = (query: Record<string, string>): APIGatewayProxyEvent =>
  apiEvent({
    httpMethod: "GET",
    resource: "/oauth2/authorize",
    path: "/oauth2/authorize",
    headers: { "User-Agent": "Mozilla/5.0 (bench)" },
    queryStringParameters: query,
    multiValueQueryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
  });

async function timed<T>(run: () => Promise<T>): Promise<{ result: T } & Timing> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  const ms = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  return { result, ms, cpuMs: (user + system) / 1000 };
}

export async function run(session: Session): Promise<Section> {
  const { handler: authorizeHandler } = await import("../functions/oauth2/authorize.js");
  const { handler: tokenHandler } = await import("../functions/oauth2/token.js");
  const { handler: refreshHandler } = await import("../functions/auth/refresh.js");
  const context = lambdaContext;

  // A relying party (a server-side web app: confidential, code + refresh) and a machine client. Not timed.
  const rp = await registerClient({
    name: "Bench relying party",
    type: "confidential",
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [],
    grantTypes: ["authorization_code", "refresh_token"],
  });
  const machine = await registerClient({
    name: "Bench machine",
    type: "confidential",
    redirectUris: [],
    postLogoutRedirectUris: [],
    grantTypes: ["client_credentials"],
  });
  const rpId = rp.client.clientId;
  const rpAuthorization = basic(rpId, rp.clientSecret!);
  const machineEvent = form(basic(machine.client.clientId, machine.clientSecret!), { grant_type: "client_credentials" });

  // The hosted page's session: the section's user, signed in through the JSON routes.
  const caller: Caller = {
    userId: session.user.id,
    clientId: config.firstPartyClientId,
    scope: [],
    roles: session.user.roles,
    sid: sidOf(session.accessToken),
    amr: ["pwd"],
    multiFactor: false,
  };

  /** GET /oauth2/authorize (timed), then the hosted page's completion (not timed): the code and its verifier. */
  async function authorize(): Promise<{ timing: Timing; code: string; verifier: string }> {
    const verifier = randomBytes(32).toString("base64url");
    const event = authorizeEvent({
      response_type: "code",
      client_id: rpId,
      redirect_uri: REDIRECT_URI,
      scope: SCOPE,
      state: randomBytes(16).toString("base64url"),
      nonce: randomBytes(16).toString("base64url"),
      code_challenge: s256(verifier),
      code_challenge_method: "S256",
    });
    const { result: response, ...timing } = await timed(() => authorizeHandler(event, context));
    const location = String(response.headers?.Location ?? "");
    const requestId = location.startsWith(`${config.appUrl}/authorize?`) ? new URL(location).searchParams.get("request") : null;
    if (response.statusCode !== 302 || !requestId) throw new Error(`authorize answered ${response.statusCode} ${location}: ${response.body}`);
    const code = new URL(await completeRequest(requestId, caller)).searchParams.get("code");
    if (!code) throw new Error("completing the authorization request gave no code");
    return { timing, code, verifier };
  }

  /** POST /oauth2/token, authorization_code: the tokens, the ID token among them. */
  async function exchange(code: string, verifier: string): Promise<Timing> {
    const event = form(rpAuthorization, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
    const { result: response, ...timing } = await timed(() => tokenHandler(event, context));
    const body = JSON.parse(response.body) as { access_token?: string; id_token?: string; refresh_token?: string };
    if (response.statusCode !== 200 || !body.access_token || !body.id_token || !body.refresh_token) {
      throw new Error(`code exchange answered ${response.statusCode}: ${response.body}`);
    }
    return timing;
  }

  async function clientCredentials(): Promise<Timing> {
    const { result: response, ...timing } = await timed(() => tokenHandler(machineEvent, context));
    if (response.statusCode !== 200 || !(JSON.parse(response.body) as { access_token?: string }).access_token) {
      throw new Error(`client credentials answered ${response.statusCode}: ${response.body}`);
    }
    return timing;
  }

  // The baseline: the first-party session's refresh, each run with the token the previous one answered.
  let refreshToken = session.refreshToken;
  async function refresh(): Promise<Timing> {
    const event = apiEvent({
      httpMethod: "POST",
      resource: "/auth/refresh",
      path: "/auth/refresh",
      headers: { "Content-Type": "application/json", "User-Agent": "bench/1.0" },
      body: JSON.stringify({ refreshToken }),
    });
    const { result: response, ...timing } = await timed(() => refreshHandler(event, context));
    if (response.statusCode !== 200) throw new Error(`refresh answered ${response.statusCode}: ${response.body}`);
    refreshToken = (JSON.parse(response.body) as { refreshToken: string }).refreshToken;
    return timing;
  }

  // Runs interleaved (authorize, exchange, client credentials, refresh), so that each sees the machine as busy as the others.
  const authorizes: Timing[] = [];
  const exchanges: Timing[] = [];
  const machines: Timing[] = [];
  const refreshes: Timing[] = [];
  for (let i = 0; i < WARM_RUNS + RUNS; i++) {
    const { timing, code, verifier } = await authorize();
    const exchanged = await exchange(code, verifier);
    const machineToken = await clientCredentials();
    const refreshed = await refresh();
    if (i < WARM_RUNS) continue; // first client connections, JIT, the signing key, the server secret's derived keys
    authorizes.push(timing);
    exchanges.push(exchanged);
    machines.push(machineToken);
    refreshes.push(refreshed);
  }

  // Context: one keyed GetItem (consistent read) through the same client, the unit the round trips below are made of;
  // the two signatures a code exchange makes (access token and ID token, RS256, 2048-bit key).
  const reads: number[] = [];
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    await getItem(config.usersTable, { pk: "BENCH#no-such-item" });
    reads.push(performance.now() - started);
  }
  const signing = await signingKey();
  const claims = { userId: session.user.id, roles: ["user"], sid: caller.sid, amr: ["pwd"], permissions: [], clientId: rpId, scope: SCOPE, audience: config.audience };
  const signs: number[] = [];
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    issueAccessToken(signing, claims);
    issueIdToken(signing, { user: session.user, clientId: rpId, scopes: SCOPE.split(" "), sid: caller.sid, amr: ["pwd"], authTime: 0, nonce: "n" });
    signs.push(performance.now() - started);
  }

  const ms = (timings: Timing[]) => timings.map((t) => t.ms);
  const cpu = (timings: Timing[]) => timings.map((t) => t.cpuMs);
  const row = (label: string, timings: Timing[]) =>
    `| ${label} | ${fmt(median(ms(timings)))} | ${fmt(percentile(ms(timings), 95))} | ${fmt(median(cpu(timings)))} |`;
  const exchangeP50 = median(ms(exchanges));
  const refreshP50 = median(ms(refreshes));
  const readP50 = median(reads);
  const signP50 = median(signs);
  // What the exchange cannot do without: four sequential round trips (see below) and its two signatures.
  const floor = 4 * readP50 + signP50;
  return {
    title: "OpenID provider: code exchange, authorize redirect, machine token",
    lines: [
      `${RUNS} runs (after ${WARM_RUNS} to warm), in process against a warmed DynamoDB Local, each: GET /oauth2/authorize for a confidential`,
      "client (PKCE S256, scope `openid email profile`, state and nonce) → 302 to the hosted page; the hosted page's completion",
      "with a first-party session, which issues the code (not timed); POST /oauth2/token exchanging that code (client_secret_basic)",
      "→ access, refresh and ID tokens; POST /oauth2/token, client_credentials (client_secret_basic) → a machine token; and, as",
      "the baseline in the same run, POST /auth/refresh of a first-party session.",
      "",
      "| measure | p50 (ms) | p95 (ms) | CPU of this process, p50 (ms) |",
      "|---|---:|---:|---:|",
      row("POST /oauth2/token, authorization_code + PKCE → access, refresh and ID tokens", exchanges),
      row("GET /oauth2/authorize → 302 to the hosted page", authorizes),
      row("POST /oauth2/token, client_credentials → a machine token", machines),
      row("POST /auth/refresh → 200 (baseline, same run)", refreshes),
      `| one keyed GetItem through the same client (context) | ${fmt(readP50, 2)} | ${fmt(percentile(reads, 95), 2)} | |`,
      `| signing an access token and an ID token (RS256, 2048-bit key) | ${fmt(signP50, 2)} | ${fmt(percentile(signs, 95), 2)} | |`,
      "",
      `Code exchange p50 / refresh p50 (same run): ${fmt(exchangeP50 / refreshP50, 2)}×. Over its floor (4 keyed GetItems and`,
      `the two signatures, ${fmt(floor)} ms): +${fmt(exchangeP50 - floor)} ms.`,
      "",
      "The code exchange is four sequential round trips: the client (its secret's SHA-256 compared in constant time); the",
      "code (AUTHCODE#, its binding to client, redirect URI and the PKCE verifier checked); the user and the hosted page's",
      "session together; the transaction that spends the code (conditional, single use) and opens the client's session",
      "(session, the user's sessionVersion check, the hosted session's check, the client_authorized event); then two RS256",
      "signatures (access token, ID token). The authorize redirect is two: the client (exact redirect URI match), then the",
      "request's conditional put (AUTHREQ#). A machine token is one: the client; then one signature.",
    ],
    goals: [
      {
        text: "OIDC code exchange (POST /oauth2/token, authorization_code + PKCE) p50 ≤ 15 ms",
        met: exchangeP50 <= 15,
        value: `${fmt(exchangeP50)} ms`,
      },
    ],
  };
}
