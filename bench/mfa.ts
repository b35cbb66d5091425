// Signin with a second factor, in process against DynamoDB Local: the first
// step of a user with TOTP (password → 403 mfa_required) against the median
// bcrypt comparison, as bench/signin.ts measures signin, and the second step
// (POST /auth/mfa/verify with a TOTP code), which has no bcrypt.
//
// A TOTP time step works once per user, and the handlers read the clock
// (Date.now()): each run has its own user, enrolled before anything is timed,
// whose confirmation spent a step two steps back, so that the current code is
// always newer than the last one accepted.
import bcrypt from "bcryptjs";
import { signup } from "../lib/accounts/signup.js";
import { confirmTotp, startTotpEnrollment } from "../lib/accounts/second-factor-settings.js";
import { TOTP_PERIOD_SECONDS, totpCodeAt } from "../lib/methods/totp/totp.js";
import { config } from "../lib/platform/config.js";
import { getItem } from "../lib/platform/dynamodb.js";
import { apiEvent, lambdaContext } from "../test/helpers/events.js";
import { fmt, median, percentile, sidOf } from "./measure.js";
import type { Section } from "./run.js";

const RUNS = 40;
const STEP_MS = TOTP_PERIOD_SECONDS * 1000;

interface MfaUser {
  email: string;
  secret: string;
}

const post = (path: string, body: unknown) =>
  apiEvent({ httpMethod: "POST", resource: path, path, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

export async function run(password: string): Promise<Section> {
  const { handler: signinHandler } = await import("../functions/auth/signin.js");
  const { handler: verifyHandler } = await import("../functions/auth/mfa-verify.js");
  const context = lambdaContext;

  // RUNS users, and one more for the warm-up, each with a confirmed TOTP (not timed).
  const users: MfaUser[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const email = `bench-mfa-${process.pid}-${i}@example.com`;
    const { user, accessToken } = await signup({ email, password });
    const caller = { userId: user.id, sid: sidOf(accessToken), multiFactor: false, client: {} };
    const enrolledAt = Date.now() - 2 * STEP_MS;
    const { secret } = await startTotpEnrollment(caller, enrolledAt);
    await confirmTotp(caller, totpCodeAt(secret, enrolledAt), enrolledAt);
    users.push({ email, secret });
  }
  const warm = users.pop()!;

  /** The first step: 403 mfa_required, and its mfaToken. */
  async function firstStep(email: string): Promise<{ ms: number; mfaToken: string }> {
    const event = post("/auth/signin", { email, password });
    const started = performance.now();
    const response = await signinHandler(event, context);
    const ms = performance.now() - started;
    const body = JSON.parse(response.body) as { code?: string; mfaToken?: string };
    if (response.statusCode !== 403 || body.code !== "mfa_required" || !body.mfaToken) {
      throw new Error(`signin of an MFA user answered ${response.statusCode} ${body.code}`);
    }
    return { ms, mfaToken: body.mfaToken };
  }

  /** The second step with the user's current TOTP code (computed before the clock starts). */
  async function secondStep(user: MfaUser, mfaToken: string): Promise<number> {
    const event = post("/auth/mfa/verify", { mfaToken, factor: "totp", code: totpCodeAt(user.secret, Date.now()) });
    const started = performance.now();
    const response = await verifyHandler(event, context);
    const ms = performance.now() - started;
    if (response.statusCode !== 200) throw new Error(`mfa verify answered ${response.statusCode}: ${response.body}`);
    return ms;
  }

  // Warm: first client connections, JIT, the signing key, the server secret's derived keys.
  await secondStep(warm, (await firstStep(warm.email)).mfaToken);

  // The first step, each against the bcrypt compare run just before it (as bench/signin.ts).
  const hash = await bcrypt.hash(password, config.bcryptCost);
  const compares: number[] = [];
  const firstSteps: number[] = [];
  const tokens: string[] = [];
  for (const user of users) {
    const started = performance.now();
    await bcrypt.compare(password, hash);
    compares.push(performance.now() - started);
    const { ms, mfaToken } = await firstStep(user.email);
    firstSteps.push(ms);
    tokens.push(mfaToken);
  }

  // The second step: one per user, each with the fresh mfaToken of its first step (5 minutes to use it).
  const secondSteps: number[] = [];
  for (const [i, user] of users.entries()) secondSteps.push(await secondStep(user, tokens[i]!));

  // Context: one keyed GetItem (consistent read) through the same client, the unit the round trips below are made of.
  const key = { pk: "BENCH#no-such-item" };
  const reads: number[] = [];
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    await getItem(config.usersTable, key);
    reads.push(performance.now() - started);
  }

  const bcryptMs = median(compares);
  const added = median(firstSteps.map((ms, i) => ms - compares[i]!));
  const verifyP50 = median(secondSteps);
  return {
    title: "Signin with a second factor",
    lines: [
      `${RUNS} users with TOTP, each signing in once in two steps, in process, against a warmed DynamoDB Local, bcrypt cost ${config.bcryptCost}.`,
      "Each user was enrolled before the clock started (a TOTP step works once per user); the second step sends the",
      "mfaToken its first step answered and the current code.",
      "",
      "| measure | p50 (ms) | p95 (ms) |",
      "|---|---:|---:|",
      `| bcrypt compare | ${fmt(bcryptMs)} | ${fmt(percentile(compares, 95))} |`,
      `| first step: POST /auth/signin → 403 mfa_required | ${fmt(median(firstSteps))} | ${fmt(percentile(firstSteps, 95))} |`,
      `| first step − the bcrypt compare run just before it | ${fmt(added)} | ${fmt(percentile(firstSteps.map((ms, i) => ms - compares[i]!), 95))} |`,
      `| second step: POST /auth/mfa/verify, TOTP code → the session | ${fmt(verifyP50)} | ${fmt(percentile(secondSteps, 95))} |`,
      `| one keyed GetItem through the same client (context) | ${fmt(median(reads), 2)} | ${fmt(percentile(reads, 95), 2)} |`,
      "",
      "The first step is signin's three sequential round trips around its bcrypt compare (the email's user id; the user",
      "and the lockout's reservation together), the third being, instead of the session, the pending step's conditional",
      "put (MFATOKEN#, the token's hash), the read of the recovery codes' count and the release of the reserved attempt,",
      "together; no access token is signed.",
      "The second step is five sequential round trips, no bcrypt: the pending step; the user; the lockout's reservation",
      "(a conditional update) together with the TOTP item (then AES-GCM decryption and the code's check); the step spent (a",
      "conditional update of lastStep); the session's transaction (session, sessionVersion check, the token's deletion,",
      "signin event) together with the deletion of the lockout counter; then one RS256 signature.",
    ],
    goals: [
      { text: "MFA signin, first step (403 mfa_required) p50 ≤ bcrypt compare + 15 ms", met: added <= 15, value: `+${fmt(added)} ms` },
      { text: "MFA second step (POST /auth/mfa/verify, TOTP) p50 ≤ 15 ms", met: verifyP50 <= 15, value: `${fmt(verifyP50)} ms` },
    ],
  };
}
