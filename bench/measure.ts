// Small timing helpers. Every benchmark reports ratios against a baseline
// measured in the same run: absolute numbers on a shared machine are noise.

/** Operations per second of `fn`, the median of `rounds` timed rounds after a warm-up. */
export async function opsPerSecond(fn: () => unknown | Promise<unknown>, { rounds = 5, roundMs = 400 } = {}): Promise<number> {
  const round = async () => {
    let count = 0;
    const started = performance.now();
    let elapsed = 0;
    while (elapsed < roundMs) {
      for (let i = 0; i < 100; i++) await fn();
      count += 100;
      elapsed = performance.now() - started;
    }
    return (count * 1000) / elapsed;
  };
  await round(); // warm-up: JIT, caches
  const results: number[] = [];
  for (let i = 0; i < rounds; i++) results.push(await round());
  return median(results);
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
