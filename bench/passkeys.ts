// Signin with a passkey, in process against DynamoDB Local: POST /auth/passkeys/options
// then POST /auth/passkeys/verify with a discoverable credential, against password
// signin (bcrypt) of one user in the same run.
//
// Users sign up and register a passkey (test/helpers/soft-authenticator.ts, ES256,
// user-verifying) before the clock starts. Each run asks for options (timed), lets the
// authenticator sign (not timed: the user's device, not the server), and sends the
// assertion to verify (timed).
import type { PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { signup } from "../lib/accounts/signup.js";
import { passkeyRegistrationOptions, registerPasskey } from "../lib/accounts/passkey-registration.js";
import { config } from "../lib/platform/config.js";
import { getItem } from "../lib/platform/dynamodb.js";
import { apiEvent, lambdaContext } from "../test/helpers/events.js";
import { SoftAuthenticator } from "../test/helpers/soft-authenticator.js";
import { fmt, median, percentile, sidOf } from "./measure.js";
import type { Section } from "./run.js";

/** Passkey signins, spread over USERS users (round robin). */
const RUNS = 60;
const USERS = 10;
/** Password signins of one user (a bcrypt compare each), interleaved with the passkey runs. */
const PASSWORD_RUNS = 15;

const post = (path: string, body?: unknown) =>
  apiEvent({
    httpMethod: "POST",
    resource: path,
    path,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });

export async function run(email: string, password: string): Promise<Section> {
  const { options: optionsHandler, verify: verifyHandler } = await import("../functions/auth/passkeys.js");
  const { handler: signinHandler } = await import("../functions/auth/signin.js");
  const context = lambdaContext;
  const origin = config.webauthn.origins[0]!;

  // USERS users, and one more for the warm-up, each with one registered passkey (not timed).
  const authenticators: SoftAuthenticator[] = [];
  for (let i = 0; i <= USERS; i++) {
    const { user, accessToken } = await signup({ email: `bench-passkeys-${process.pid}-${i}@example.com`, password });
    const caller = { userId: user.id, sid: sidOf(accessToken), multiFactor: false, client: {} };
    const authenticator = new SoftAuthenticator({ origin });
    const response = authenticator.register(await passkeyRegistrationOptions(caller));
    await registerPasskey(caller, { response, name: "bench" });
    authenticators.push(authenticator);
  }
  const warm = authenticators.pop()!;

  /** One passkey signin: options (timed), the authenticator's assertion (not timed), verify (timed). */
  async function passkeySignin(authenticator: SoftAuthenticator): Promise<{ options: number; verify: number; verifyCpu: number }> {
    let started = performance.now();
    const optionsResponse = await optionsHandler(post("/auth/passkeys/options", {}), context);
    const options = performance.now() - started;
    if (optionsResponse.statusCode !== 200) throw new Error(`passkey options answered ${optionsResponse.statusCode}: ${optionsResponse.body}`);
    const assertion = authenticator.authenticate(JSON.parse(optionsResponse.body) as PublicKeyCredentialRequestOptionsJSON);
    const event = post("/auth/passkeys/verify", { response: assertion });
    const cpu = process.cpuUsage();
    started = performance.now();
    const verifyResponse = await verifyHandler(event, context);
    const verify = performance.now() - started;
    const { user, system } = process.cpuUsage(cpu);
    if (verifyResponse.statusCode !== 200) throw new Error(`passkey verify answered ${verifyResponse.statusCode}: ${verifyResponse.body}`);
    return { options, verify, verifyCpu: (user + system) / 1000 };
  }

  const passwordEvent = post("/auth/signin", { email, password });
  async function passwordSignin(): Promise<number> {
    const started = performance.now();
    const response = await signinHandler(passwordEvent, context);
    const ms = performance.now() - started;
    if (response.statusCode !== 200) throw new Error(`signin answered ${response.statusCode}`);
    return ms;
  }

  // Warm: first client connections, JIT, the signing key, the WebAuthn library's code paths.
  for (let i = 0; i < 5; i++) await passkeySignin(warm);
  await passwordSignin();

  const options: number[] = [];
  const verifies: number[] = [];
  const verifyCpus: number[] = [];
  const passwords: number[] = [];
  const every = Math.floor(RUNS / PASSWORD_RUNS);
  for (let i = 0; i < RUNS; i++) {
    const ms = await passkeySignin(authenticators[i % USERS]!);
    options.push(ms.options);
    verifies.push(ms.verify);
    verifyCpus.push(ms.verifyCpu);
    if (i % every === every - 1 && passwords.length < PASSWORD_RUNS) passwords.push(await passwordSignin());
  }
  const both = options.map((ms, i) => ms + verifies[i]!);

  // Context: one keyed GetItem (consistent read) through the same client, the unit the round trips below are made of.
  const reads: number[] = [];
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    await getItem(config.usersTable, { pk: "BENCH#no-such-item" });
    reads.push(performance.now() - started);
  }

  const p50 = median(both);
  const passwordP50 = median(passwords);
  const ratio = passwordP50 / p50;
  return {
    title: "Passkey signin",
    lines: [
      `${RUNS} passkey signins (discoverable credential, ES256, user verification) of ${USERS} users in turn, in process, against a warmed`,
      `DynamoDB Local; each user registered its passkey before the clock started, and the authenticator's signing is not timed.`,
      `Beside them, in the same run, ${passwords.length} password signins of one user (bcrypt cost ${config.bcryptCost}, the deployed default).`,
      "",
      "| measure | p50 (ms) | p95 (ms) |",
      "|---|---:|---:|",
      `| POST /auth/passkeys/options | ${fmt(median(options))} | ${fmt(percentile(options, 95))} |`,
      `| POST /auth/passkeys/verify → 200, the session | ${fmt(median(verifies))} | ${fmt(percentile(verifies, 95))} |`,
      `| verify: CPU time of this process (the rest is waiting: DynamoDB Local, or the CPU on a busy machine) | ${fmt(median(verifyCpus))} | ${fmt(percentile(verifyCpus, 95))} |`,
      `| passkey signin: options + verify | ${fmt(p50)} | ${fmt(percentile(both, 95))} |`,
      `| password signin: POST /auth/signin → 200 (same run) | ${fmt(passwordP50)} | ${fmt(percentile(passwords, 95))} |`,
      `| one keyed GetItem through the same client (context) | ${fmt(median(reads), 2)} | ${fmt(percentile(reads, 95), 2)} |`,
      "",
      `Password signin p50 / passkey signin p50: ${fmt(ratio)}×.`,
      "",
      "Options is one round trip: the new challenge's conditional put (CHALLENGE#, 5 minutes, bound to the sign-in",
      "ceremony), no read. Verify is three sequential round trips and no bcrypt: the passkey the assertion names (PASSKEY#)",
      "together with its user (whose id the userHandle names, and whose list must hold the passkey); the challenge's conditional",
      "delete, which the WebAuthn library makes as it reads the client data, before the origin, RP ID hash, flags, counter",
      "and the ECDSA P-256 signature are checked; the session's transaction (session, the user's sessionVersion check, the",
      "passkey's new counter and last use conditional on the counter verified against, the signin event); then one RS256",
      "signature.",
    ],
    goals: [
      { text: "passkey signin (options + verify) p50 ≤ 20 ms", met: p50 <= 20, value: `${fmt(p50)} ms` },
      { text: "passkey signin ≥ 10x faster than password signin (same run)", met: ratio >= 10, value: `${fmt(ratio)}×` },
    ],
  };
}
