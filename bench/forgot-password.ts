// Forgot-password latency for an address with an account and one without,
// side by side: the answer must not tell them apart. The handler runs in
// process against a warmed DynamoDB Local; its asynchronous invoke of the
// mailer goes over HTTP to a stand-in that answers 202 as Lambda does
// (test/helpers/lambda-sink.ts). The mailer's own work, which does differ,
// is measured too, to show what the design keeps off the response path.
import { randomUUID } from "node:crypto";
import { apiEvent, lambdaContext } from "../test/helpers/events.js";
import { fmt, median, percentile } from "./measure.js";
import type { Section } from "./run.js";

const PAIRS = 300;
const MAILER_RUNS = 30;

export async function run(knownEmail: string): Promise<Section> {
  const { handler } = await import("../functions/forgot-password.js");
  const { deliverMailJob } = await import("../lib/mailer.js");
  const event = (email: string) =>
    apiEvent({
      httpMethod: "POST",
      resource: "/auth/password/forgot",
      path: "/auth/password/forgot",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email }),
    });
  const unknownEmail = `nobody-${randomUUID()}@example.com`;
  const time = async (email: string) => {
    const started = performance.now();
    const response = await handler(event(email), lambdaContext);
    const ms = performance.now() - started;
    if (response.statusCode !== 202) throw new Error(`forgot answered ${response.statusCode}`);
    return { ms, body: response.body };
  };

  for (let i = 0; i < 50; i++) await time(i % 2 ? knownEmail : unknownEmail); // warm: connections, JIT
  const known: number[] = [];
  const unknown: number[] = [];
  const bodies = new Set<string>();
  for (let i = 0; i < PAIRS; i++) {
    // Alternate which goes first, so that neither always follows the other.
    const order = i % 2 ? [knownEmail, unknownEmail] : [unknownEmail, knownEmail];
    for (const email of order) {
      const { ms, body } = await time(email);
      (email === knownEmail ? known : unknown).push(ms);
      bodies.add(body);
    }
  }
  const diff = median(known) - median(unknown);
  // The run's noise: how far the medians of two interleaved halves of the same kind lie apart.
  const halves = (values: number[]) => Math.abs(median(values.filter((_, i) => i % 2 === 0)) - median(values.filter((_, i) => i % 2 === 1)));
  const noise = Math.max(halves(known), halves(unknown));
  // Paired: each known request against the unknown one next to it.
  const pairedDiff = median(known.map((ms, i) => ms - unknown[i]!));

  // The mailer, off the response path: an account gets a token and an email; no account, a lookup.
  const mailer = { known: [] as number[], unknown: [] as number[] };
  for (let i = 0; i < MAILER_RUNS; i++) {
    for (const [kind, email] of [["known", knownEmail], ["unknown", `nobody-${randomUUID()}@example.com`]] as const) {
      const started = performance.now();
      await deliverMailJob({ type: "password-reset-requested", email, jobId: randomUUID(), at: Date.now() });
      mailer[kind].push(performance.now() - started);
    }
  }

  return {
    title: "Forgot password: known and unknown addresses",
    lines: [
      `${PAIRS} pairs of POST /auth/password/forgot in process (one address with an account, one without, alternating`,
      "which goes first), against a warmed DynamoDB Local; the mailer invoke answered 202 by a local stand-in for Lambda.",
      "",
      "| measure | account exists | no account |",
      "|---|---:|---:|",
      `| p50 ms | ${fmt(median(known))} | ${fmt(median(unknown))} |`,
      `| p95 ms | ${fmt(percentile(known, 95))} | ${fmt(percentile(unknown, 95))} |`,
      `| distinct response bodies | ${bodies.size} | |`,
      "",
      `Difference of medians ${fmt(diff)} ms; paired difference, median ${fmt(pairedDiff)} ms; the run's noise (medians of`,
      `two interleaved halves of one kind) ${fmt(noise)} ms. The request path does the same work for both: parse,`,
      "canonicalize, one asynchronous invoke. The lookup happens in the mailer:",
      "",
      "| mailer (off the response path), median ms | account exists | no account |",
      "|---|---:|---:|",
      `| lookup, limits, token, SES send | ${fmt(median(mailer.known))} | ${fmt(median(mailer.unknown))} |`,
    ],
    goals: [
      {
        text: "forgot-password p50, account vs no account: difference within the run's noise",
        met: bodies.size === 1 && Math.abs(diff) <= Math.max(noise, 0.05) && Math.abs(pairedDiff) <= Math.max(noise, 0.05),
        value: `${fmt(diff)} ms (noise ${fmt(noise)} ms)`,
      },
    ],
  };
}
