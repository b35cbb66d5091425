// Authorizer cold start: bundle size and import + first call in fresh
// processes, against a verify-only jsonwebtoken authorizer bundled the same way,
// and against the floor of any authorizer that also reads its session.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { bundle, root, type Bundle } from "./bundle.js";
import { fmt, median } from "./measure.js";
import type { Section } from "./run.js";

const RUNS = 25;

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
  const ratio = oursTime.totalMs / baseTime.totalMs;
  const kb = (bytes: number) => fmt(bytes / 1024, 0);
  const row = (label: string, b: Bundle, t: Times) =>
    `| ${label} | ${kb(b.bytes)} | ${fmt(t.importMs)} | ${fmt(t.firstCallMs)} | ${fmt(t.totalMs)} | ${fmt(t.totalMs / baseTime.totalMs, 2)} |`;
  return {
    title: "Authorizer cold start",
    lines: [
      `Median of ${RUNS} fresh Node processes each, alternating: import the bundle, then one call with a real token.`,
      "",
      "| bundle | size (KiB) | import (ms) | first call (ms) | total (ms) | ratio |",
      "|---|---:|---:|---:|---:|---:|",
      row("verify-only jsonwebtoken authorizer (baseline)", baseline, baseTime),
      row("floor with a session check: baseline + one plain node:http request", floor, floorTime),
      row("our authorizer (verify + signed session read + logger)", ours, oursTime),
      "",
      "A first call that reads the session opens the process's first HTTP connection: loading node:http and",
      `running its client code for the first time. That floor alone is ${fmt(floorTime.totalMs - baseTime.totalMs)} ms of our ${fmt(oursTime.totalMs - baseTime.totalMs)} ms over the baseline;`,
      "the rest is SigV4 signing (aws4), retries and timeouts, and the logger's code (loaded, not run, on success).",
    ],
    goals: [
      {
        text: "cold start ≤ 2x the verify-only baseline",
        met: ratio <= 2,
        value: `${fmt(ratio, 2)}x (session-check floor ${fmt(floorTime.totalMs / baseTime.totalMs, 2)}x)`,
      },
    ],
  };
}
