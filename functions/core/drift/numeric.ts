import type { Baseline } from '../model-package.ts';
import { binSorted, binUnsorted, clampedCounts, DEFAULT_BINS, quantileEdges } from './bins.ts';
import { finiteValues, type Column } from './columns.ts';
import { ksAgainstBins, ksTwoSample } from './ks.ts';
import { psi } from './psi.ts';
import { sortFloat64 } from './sort.ts';
import type { Tested } from './tested.ts';

export type NumericBaseline = Extract<Baseline, { type: 'numeric' }>;

/**
 * Buffers reused from feature to feature (and call to call), so that a million-row column costs a copy
 * and a sort, not an allocation per feature.
 */
export class Scratch {
  private buffers: Float64Array[] = [];

  /** Buffer number `slot`, at least `length` long. */
  get(slot: number, length: number): Float64Array {
    const have = this.buffers[slot];
    if (have && have.length >= length) return have;
    const made = new Float64Array(Math.max(length, 1));
    this.buffers[slot] = made;
    return made;
  }
}

/**
 * A numeric column against a baseline's quantile bins: no sort, one pass to copy the finite values and
 * one to bin them. KS D is taken at the bin edges (see `ksAgainstBins` for why, and how that differs
 * from the full two-sample D); PSI over the baseline's bins, with values outside its range in the outer bins.
 */
export function numericAgainstBaseline(name: string, column: Column, baseline: NumericBaseline, scratch: Scratch): Tested {
  const values = scratch.get(0, column.length);
  const { count, missing } = finiteValues(name, column, values);
  const { edges, counts: referenceCounts } = baseline.bins;
  const binned = binUnsorted(values, count, edges);
  const ks = ksAgainstBins(referenceCounts, binned);
  const current = clampedCounts(binned);
  return {
    name,
    type: 'numeric',
    test: 'ks',
    statistic: ks.d,
    ksD: ks.d,
    pValue: ks.pValue,
    psi: count === 0 ? 0 : psi(referenceCounts, current),
    referenceCount: baseline.count,
    currentCount: count,
    referenceMissing: 0,
    currentMissing: missing,
    reference: { kind: 'bins', edges: [...edges], counts: [...referenceCounts] },
    current: { kind: 'bins', edges: [...edges], counts: current },
  };
}

/**
 * Two numeric samples: exact two-sample KS on the sorted values, PSI over `bins` quantile bins of the
 * reference (made as a baseline's would be, so both paths report comparable PSI).
 */
export function numericBetween(name: string, reference: Column, current: Column, scratch: Scratch, bins = DEFAULT_BINS): Tested {
  const longest = Math.max(reference.length, current.length);
  const tmp = scratch.get(2, longest);
  const refAll = scratch.get(0, reference.length);
  const ref = finiteValues(name, reference, refAll);
  const refSorted = sortFloat64(refAll.subarray(0, ref.count), tmp);
  const curAll = scratch.get(1, current.length);
  const cur = finiteValues(name, current, curAll);
  const curSorted = sortFloat64(curAll.subarray(0, cur.count), tmp);
  const ks = ksTwoSample(refSorted, curSorted);
  const edges = ref.count > 0 ? quantileEdges(refSorted, bins) : [];
  const referenceCounts = ref.count > 0 ? clampedCounts(binSorted(refSorted, edges)) : [];
  const currentCounts = ref.count > 0 ? clampedCounts(binSorted(curSorted, edges)) : [];
  return {
    name,
    type: 'numeric',
    test: 'ks',
    statistic: ks.d,
    ksD: ks.d,
    pValue: ks.pValue,
    psi: ref.count > 0 && cur.count > 0 ? psi(referenceCounts, currentCounts) : 0,
    referenceCount: ref.count,
    currentCount: cur.count,
    referenceMissing: ref.missing,
    currentMissing: cur.missing,
    reference: { kind: 'bins', edges, counts: referenceCounts },
    current: { kind: 'bins', edges, counts: currentCounts },
  };
}
