// Authorizer cold start: bundle size and import + first call in fresh
// processes, against a verify-only jsonwebtoken authorizer bundled the same way.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { bundle, root } from "./bundle.js";
import { fmt, median } from "./measure.js";
import type { Section } from "./run.js";

const RUNS = 15;

async function probe(file: string, token: string) {
  const event = { type: "TOKEN", authorizationToken: `Bearer ${token}`, methodArn: "arn:aws:execute-api:r:1:a/s/GET/x" };
  const samples: { importMs: number; firstCallMs: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, "bench/fixtures/cold-start-probe.mjs"), file, JSON.stringify(event)], {
      env: { ...process.env, LOG_LEVEL: "warn" },
    });
    samples.push(JSON.parse(stdout));
  }
  const importMs = median(samples.map((s) => s.importMs));
  const firstCallMs = median(samples.map((s) => s.firstCallMs));
  const totalMs = median(samples.map((s) => s.importMs + s.firstCallMs));
  return { importMs, firstCallMs, totalMs };
}

export async function run(sessionToken: string): Promise<Section> {
  const ours = await bundle("authorizer", "functions/authorizer.ts");
  const baseline = await bundle("verify-only-authorizer", "bench/fixtures/verify-only-authorizer.ts");
  const oursTime = await probe(ours.file, sessionToken);
  const baseTime = await probe(baseline.file, sessionToken);
  const ratio = oursTime.totalMs / baseTime.totalMs;
  const kb = (bytes: number) => fmt(bytes / 1024, 0);
  return {
    title: "Authorizer cold start",
    lines: [
      `Median of ${RUNS} fresh Node processes each: import the bundle, then one call with a real token.`,
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
