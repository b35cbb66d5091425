// Small timing helpers. Every benchmark reports ratios against a baseline
// measured in the same run: absolute numbers on a shared machine are noise.

type Operation = () => unknown | Promise<unknown>;

async function round(fn: Operation, roundMs: number): Promise<number> {
  let count = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < roundMs) {
    for (let i = 0; i < 100; i++) await fn();
    count += 100;
    elapsed = performance.now() - started;
  }
  return (count * 1000) / elapsed;
}

/**
 * Operations per second of each function, measured in interleaved rounds
 * (a, b, c, a, b, c, ...) after a warm-up, so that a ratio between them is not
 * skewed by the machine getting busier or quieter between blocks. Medians.
 */
export async function compareOpsPerSecond<K extends string>(
  fns: Record<K, Operation>,
  { rounds = 9, roundMs = 300 } = {},
): Promise<Record<K, number>> {
  const names = Object.keys(fns) as K[];
  for (const name of names) await round(fns[name], roundMs); // warm-up: JIT, caches
  const results = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < rounds; i++) {
    for (const name of names) results[name].push(await round(fns[name], roundMs));
  }
  return Object.fromEntries(names.map((name) => [name, median(results[name])])) as Record<K, number>;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The session id an access token names (the bench's own tokens: decoded, not verified). */
export const sidOf = (accessToken: string): string => JSON.parse(Buffer.from(accessToken.split(".")[1]!, "base64url").toString("utf8")).sid;
