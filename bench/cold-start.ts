// Authorizer cold start: bundle size and import + first call in fresh
// processes, against a verify-only jsonwebtoken authorizer bundled the same way,
// and against the floor of any authorizer that also reads its session.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { bundle, root, type Bundle } from "./bundle.js";
import { fmt, median } from "./measure.js";
import type { Section } from "./run.js";

const RUNS = 40;

interface Sample {
  importMs: number;
  firstCallMs: number;
}

async function probe(file: string, token: string): Promise<Sample> {
  const event = { type: "TOKEN", authorizationToken: `Bearer ${token}`, methodArn: "arn:aws:execute-api:r:1:a/s/GET/x" };
  const { stdout } = await promisify(execFile)(process.execPath, [join(root, "bench/fixtures/cold-start-probe.mjs"), file, JSON.stringify(event)], {
    env: { ...process.env, LOG_LEVEL: "warn" },
  });
  return JSON.parse(stdout);
}

interface Times {
  importMs: number;
  firstCallMs: number;
  totalMs: number;
}

const summary = (samples: Sample[]): Times => ({
  importMs: median(samples.map((s) => s.importMs)),
  firstCallMs: median(samples.map((s) => s.firstCallMs)),
  totalMs: median(samples.map((s) => s.importMs + s.firstCallMs)),
});

export async function run(sessionToken: string): Promise<Section> {
  const ours = await bundle("authorizer", "functions/authorizer.ts");
  const baseline = await bundle("verify-only-authorizer", "bench/fixtures/verify-only-authorizer.ts");
  const floor = await bundle("session-check-floor-authorizer", "bench/fixtures/session-check-floor-authorizer.ts");
  // Alternating, so that the machine's load drifts over all alike.
  const samples = new Map([ours, baseline, floor].map((b) => [b, [] as Sample[]]));
  for (let i = 0; i < RUNS; i++) {
    for (const [b, list] of samples) list.push(await probe(b.file, sessionToken));
  }
  const [oursTime, baseTime, floorTime] = [ours, baseline, floor].map((b) => summary(samples.get(b)!)) as [Times, Times, Times];
  // Ratios pair each probe with the baseline probe of the same round, then take the median:
  // drift in the machine's load between rounds cancels out.
  const total = (s: Sample) => s.importMs + s.firstCallMs;
  const ratioTo = (b: Bundle) => median(samples.get(b)!.map((s, i) => total(s) / total(samples.get(baseline)![i]!)));
  const ratio = ratioTo(ours);
  const kb = (bytes: number) => fmt(bytes / 1024, 0);
  const row = (label: string, b: Bundle, t: Times) =>
    `| ${label} | ${kb(b.bytes)} | ${fmt(t.importMs)} | ${fmt(t.firstCallMs)} | ${fmt(t.totalMs)} | ${fmt(ratioTo(b), 2)} |`;
  return {
    title: "Authorizer cold start",
    lines: [
      `Medians of ${RUNS} fresh Node processes each, in rounds of one process per bundle: import the bundle, then one call`,
      "with a real token. A ratio is the median over rounds of the bundle's total over the baseline's in the same round.",
      "",
      "| bundle | size (KiB) | import (ms) | first call (ms) | total (ms) | ratio |",
      "|---|---:|---:|---:|---:|---:|",
      row("verify-only jsonwebtoken authorizer (baseline, RS256, one public key from the key file)", baseline, baseTime),
      row("floor with a session check: baseline + one plain node:http request", floor, floorTime),
      row("our authorizer (verify by kid + signed session read + log line)", ours, oursTime),
      "",
      "A first call that reads the session opens the process's first HTTP connection: loading node:http and",
      `running its client code for the first time. That floor alone is ${fmt(floorTime.totalMs - baseTime.totalMs)} ms of our ${fmt(oursTime.totalMs - baseTime.totalMs)} ms over the baseline;`,
      "the rest is SigV4 signing (aws4) with retries and timeouts, and loading node:https, which the deployed function needs.",
    ],
    goals: [
      {
        text: "cold start ≤ 2x the verify-only baseline",
        met: ratio <= 2,
        value: `${fmt(ratio, 2)}x (session-check floor ${fmt(ratioTo(floor), 2)}x)`,
      },
    ],
  };
}
