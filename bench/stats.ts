/** Percentiles and the figures' printed forms. */

export interface Distribution {
  n: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles: with fewer than 100 samples p99 is the maximum. */
export function distribution(samples: number[]): Distribution {
  if (samples.length === 0) return { n: 0, p50: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return {
    n: sorted.length,
    p50: rank(50),
    p99: rank(99),
    max: sorted[sorted.length - 1]!,
    mean: sorted.reduce((s, x) => s + x, 0) / sorted.length,
  };
}

export function median(samples: number[]): number {
  return distribution(samples).p50;
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

export function bytes(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(2)} MB`;
  if (value >= 1024) return `${(value / 1024).toFixed(1)} KB`;
  return `${value.toFixed(0)} B`;
}

export function rate(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(value >= 100 ? 0 : 1)}/s` : '–';
}

/** value ÷ baseline, printed as "×3.2". */
export function ratio(value: number, baseline: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return '–';
  const r = value / baseline;
  return `×${r >= 10 ? r.toFixed(0) : r.toFixed(2)}`;
}

export const sleep = (msDelay: number) => new Promise<void>((resolve) => setTimeout(resolve, msDelay));

/** Polls until `check` is true; throws `what` when it never becomes true (the bench's only failure mode). */
export async function until(check: () => boolean, what: string, timeoutMs = 30_000, everyMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`broken: ${what} (waited ${ms(timeoutMs)})`);
    await sleep(everyMs);
  }
}
