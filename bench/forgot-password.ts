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

const ROUNDS = 300;
const MAILER_RUNS = 30;

/**
 * Mann-Whitney U as a z-score (normal approximation, ties averaged): how
 * unlikely it is that two samples come from one distribution. |z| < 1.96 means
 * no difference at the 5% level. Rank-based, so a few stalls of a shared
 * machine do not decide it.
 */
function mannWhitneyZ(a: number[], b: number[]): number {
  const all = [...a.map((v) => ({ v, a: true })), ...b.map((v) => ({ v, a: false }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    for (let k = i; k <= j; k++) ranks[k] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const rankSumA = all.reduce((sum, x, i) => (x.a ? sum + ranks[i]! : sum), 0);
  const u = rankSumA - (a.length * (a.length + 1)) / 2;
  const mean = (a.length * b.length) / 2;
  const sd = Math.sqrt((a.length * b.length * (a.length + b.length + 1)) / 12);
  return (u - mean) / sd;
}

const us = (ms: number) => `${Math.round(ms * 1000)}`;

export async function run(knownEmail: string): Promise<Section> {
  const { handler } = await import("../functions/auth/forgot-password.js");
  const { deliverMailJob } = await import("../lib/mail/mailer.js");
  const event = (email: string) =>
    apiEvent({
      httpMethod: "POST",
      resource: "/auth/password/forgot",
      path: "/auth/password/forgot",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email }),
    });
  // Two addresses without an account: their difference is the placebo, what the run's noise alone gives.
  const unknownEmail = `nobody-${randomUUID()}@example.com`;
  const placeboEmail = `nobody-${randomUUID()}@example.com`;
  const time = async (email: string) => {
    const started = performance.now();
    const response = await handler(event(email), lambdaContext);
    const ms = performance.now() - started;
    if (response.statusCode !== 202) throw new Error(`forgot answered ${response.statusCode}`);
    return { ms, body: response.body };
  };

  const streams = [knownEmail, unknownEmail, placeboEmail];
  for (let i = 0; i < 60; i++) await time(streams[i % 3]!); // warm: connections, JIT
  const samples: Record<string, number[]> = { [knownEmail]: [], [unknownEmail]: [], [placeboEmail]: [] };
  const bodies = new Set<string>();
  for (let i = 0; i < ROUNDS; i++) {
    // Rotate the order, so that no address always follows another.
    for (let j = 0; j < 3; j++) {
      const email = streams[(i + j) % 3]!;
      const { ms, body } = await time(email);
      samples[email]!.push(ms);
      bodies.add(body);
    }
  }
  const known = samples[knownEmail]!;
  const unknown = samples[unknownEmail]!;
  const placebo = samples[placeboEmail]!;
  const diff = median(known) - median(unknown);
  const placeboDiff = median(placebo) - median(unknown);
  const z = mannWhitneyZ(known, unknown);
  const placeboZ = mannWhitneyZ(placebo, unknown);

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
      `${ROUNDS} rounds of POST /auth/password/forgot in process, each round one request for an address with an account`,
      "and one for each of two addresses without (order rotated), against a warmed DynamoDB Local; the mailer invoke",
      "answered 202 by a local stand-in for Lambda. The two addresses without an account are the placebo: their",
      "difference is what the run's noise alone gives.",
      "",
      "| measure (µs) | account exists | no account | no account (placebo) |",
      "|---|---:|---:|---:|",
      `| p50 | ${us(median(known))} | ${us(median(unknown))} | ${us(median(placebo))} |`,
      `| p95 | ${us(percentile(known, 95))} | ${us(percentile(unknown, 95))} | ${us(percentile(placebo, 95))} |`,
      "",
      `Distinct response bodies: ${bodies.size}. Difference of medians, account − no account: ${us(diff)} µs`,
      `(Mann-Whitney z ${z.toFixed(2)}); placebo − no account: ${us(placeboDiff)} µs (z ${placeboZ.toFixed(2)}).`,
      "The request path does the same work for every address (parse, canonicalize, one asynchronous invoke);",
      "the lookup happens in the mailer, after the answer:",
      "",
      "| mailer (off the response path), median ms | account exists | no account |",
      "|---|---:|---:|",
      `| limits, lookup, token, SES send | ${fmt(median(mailer.known))} | ${fmt(median(mailer.unknown))} |`,
    ],
    goals: [
      {
        text: "forgot-password, account vs no account: same body, no significant latency difference (Mann-Whitney |z| < 1.96)",
        met: bodies.size === 1 && Math.abs(z) < 1.96,
        value: `${us(diff)} µs, z ${z.toFixed(2)} (placebo z ${placeboZ.toFixed(2)})`,
      },
    ],
  };
}
