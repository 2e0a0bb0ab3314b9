import type { Baseline } from '../../functions/core/model-package.ts';

const BINS = 10;

/** The q-quantile of sorted values, interpolating linearly between order statistics. */
export function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/**
 * Distribution of one numeric feature over the training rows, for drift checks: moments, and counts
 * in bins whose edges are the training deciles (so each bin holds ~10% of rows; repeated edges merge).
 * Bins are [edge_i, edge_i+1) except the last, which also holds the maximum.
 */
export function numericBaseline(values: readonly number[]): Baseline {
  const count = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / count;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / count);
  const edges = [...new Set(Array.from({ length: BINS + 1 }, (_, i) => quantile(sorted, i / BINS)))];
  if (edges.length === 1) edges.push(edges[0]!);
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const v of values) {
    let bin = edges.findIndex((e) => v < e) - 1;
    if (bin < 0) bin = counts.length - 1;
    counts[bin]!++;
  }
  return { type: 'numeric', count, mean, std, min: sorted[0]!, max: sorted[count - 1]!, bins: { edges, counts } };
}

/** Frequencies of one categorical feature over the training rows, keyed in sorted order for stable output. */
export function categoricalBaseline(values: readonly string[]): Baseline {
  const frequencies: Record<string, number> = {};
  for (const v of [...values].sort()) frequencies[v] = (frequencies[v] ?? 0) + 1;
  return { type: 'categorical', count: values.length, frequencies };
}
