/** One budget line: what was measured, what it is compared with, and whether it meets its target. */
export interface Check {
  readonly what: string;
  readonly measured: string;
  readonly target: string;
  readonly pass: boolean;
}

/** What every measurement hands back: side-by-side lines for the console, checks, and raw figures for latest.json. */
export interface Section {
  readonly title: string;
  readonly lines: readonly string[];
  readonly checks: readonly Check[];
  readonly figures: Record<string, unknown>;
}

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly n: number;
}

/** Nearest-rank percentiles of samples in any unit. */
export function percentiles(samples: Float64Array | number[]): Percentiles {
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { p50: at(50), p99: at(99), max: sorted[sorted.length - 1]!, n: sorted.length };
}

export const median = (values: readonly number[]): number => percentiles([...values]).p50;

export const mark = (pass: boolean): string => (pass ? 'PASS' : 'FAIL');

export const us = (v: number): string => `${v.toFixed(1)} µs`;
export const ms = (v: number): string => `${v.toFixed(v < 10 ? 2 : 1)} ms`;
export const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
export const int = (v: number): string => Math.round(v).toLocaleString('en-US');
