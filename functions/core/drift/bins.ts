import type { BinnedSample } from './ks.ts';

/**
 * Quantile bins: the shape in which a `model.json` baseline keeps a numeric feature, and in which a
 * reference sample is summarised for PSI and the report's plots. The rules mirror
 * models/build/baseline.ts, so bins made from a reference file match those a baseline would hold.
 */

export const DEFAULT_BINS = 10;

/** The q-quantile of ascending-sorted values, interpolating linearly between order statistics. */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** Edges at the 0, 1/k, …, 1 quantiles of a non-empty sorted sample; repeated edges merge (at least two edges). */
export function quantileEdges(sorted: ArrayLike<number>, bins = DEFAULT_BINS): number[] {
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) {
    const e = quantileOfSorted(sorted, i / bins);
    if (edges.length === 0 || e !== edges[edges.length - 1]) edges.push(e);
  }
  if (edges.length === 1) edges.push(edges[0]!);
  return edges;
}

/** Number of values < x in an ascending-sorted array. */
function countBelow(sorted: ArrayLike<number>, x: number, from = 0): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of values ≤ x in an ascending-sorted array. */
function countAtMost(sorted: ArrayLike<number>, x: number, from = 0): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Count a sorted sample into bins [e₀, e₁), …, [eₖ₋₁, eₖ] (the last bin closed, as the baseline's),
 * with what falls outside counted apart: O(k log n).
 */
export function binSorted(sorted: ArrayLike<number>, edges: readonly number[]): BinnedSample & { counts: number[] } {
  const k = edges.length - 1;
  const counts = new Array<number>(k);
  const below = countBelow(sorted, edges[0]!);
  let start = below;
  for (let i = 0; i < k - 1; i++) {
    const end = countBelow(sorted, edges[i + 1]!, start);
    counts[i] = end - start;
    start = end;
  }
  const end = countAtMost(sorted, edges[k]!, start);
  counts[k - 1] = end - start;
  return { below, counts, above: sorted.length - end };
}

/** The same count for an unsorted sample: a binary search over the edges per value, O(n log k). */
export function binUnsorted(values: ArrayLike<number>, length: number, edges: readonly number[]): BinnedSample & { counts: number[] } {
  const k = edges.length - 1;
  const counts = new Array<number>(k).fill(0);
  const first = edges[0]!;
  const last = edges[k]!;
  let below = 0;
  let above = 0;
  for (let i = 0; i < length; i++) {
    const v = values[i]!;
    if (v < first) below++;
    else if (v > last) above++;
    else {
      // Largest bin index b in [0, k-1] with edges[b] <= v.
      let lo = 0;
      let hi = k - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (edges[mid]! <= v) lo = mid;
        else hi = mid - 1;
      }
      counts[lo]!++;
    }
  }
  return { below, counts, above };
}

/** Counts for PSI and plots: values outside the reference's range join its outer bins (the outer bins are open-ended). */
export function clampedCounts(sample: BinnedSample): number[] {
  const counts = Array.from(sample.counts);
  counts[0]! += sample.below;
  counts[counts.length - 1]! += sample.above;
  return counts;
}
