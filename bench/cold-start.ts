// Authorizer cold start: bundle size and import + first call in fresh
// processes, against a verify-only jsonwebtoken authorizer bundled the same way.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { bundle, root } from "./bundle.js";
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

const summary = (samples: Sample[]) => ({
  importMs: median(samples.map((s) => s.importMs)),
  firstCallMs: median(samples.map((s) => s.firstCallMs)),
  totalMs: median(samples.map((s) => s.importMs + s.firstCallMs)),
});

export async function run(sessionToken: string): Promise<Section> {
  const ours = await bundle("authorizer", "functions/authorizer.ts");
  const baseline = await bundle("verify-only-authorizer", "bench/fixtures/verify-only-authorizer.ts");
  // Alternating, so that the machine's load drifts over both alike.
  const oursSamples: Sample[] = [];
  const baseSamples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    oursSamples.push(await probe(ours.file, sessionToken));
    baseSamples.push(await probe(baseline.file, sessionToken));
  }
  const oursTime = summary(oursSamples);
  const baseTime = summary(baseSamples);
  const ratio = oursTime.totalMs / baseTime.totalMs;
  const kb = (bytes: number) => fmt(bytes / 1024, 0);
  return {
    title: "Authorizer cold start",
    lines: [
      `Median of ${RUNS} fresh Node processes each, alternating: import the bundle, then one call with a real token.`,
      "",
      "| bundle | size (KiB) | import (ms) | first call (ms) | total (ms) | ratio |",
      "|---|---:|---:|---:|---:|---:|",
      `| verify-only jsonwebtoken authorizer (baseline) | ${kb(baseline.bytes)} | ${fmt(baseTime.importMs)} | ${fmt(baseTime.firstCallMs)} | ${fmt(baseTime.totalMs)} | 1.00 |`,
      `| our authorizer (verify + session read + logger) | ${kb(ours.bytes)} | ${fmt(oursTime.importMs)} | ${fmt(oursTime.firstCallMs)} | ${fmt(oursTime.totalMs)} | ${fmt(ratio, 2)} |`,
      "",
      "Our first call includes creating the DynamoDB client's connection and the session read against DynamoDB Local.",
    ],
    goals: [{ text: "cold start ≤ 2x the verify-only baseline", met: ratio <= 2, value: `${fmt(ratio, 2)}x` }],
  };
}
