import { chiSquareTest } from './chi-square.ts';
import { categoryCounts, type Column } from './columns.ts';
import { psi } from './psi.ts';
import type { Tested } from './tested.ts';

/** A reference's category counts, as a baseline keeps them (`frequencies`) or as counted from a reference column. */
export interface CategoryReference {
  readonly counts: ReadonlyMap<string, number>;
  readonly missing: number;
}

export const referenceFromFrequencies = (frequencies: Readonly<Record<string, number>>): CategoryReference => ({
  counts: new Map(Object.entries(frequencies)),
  missing: 0,
});

export function referenceFromColumn(column: Column): CategoryReference {
  const { counts, missing } = categoryCounts(column);
  return { counts, missing };
}

/**
 * A categorical column against reference counts: chi-square homogeneity test and PSI over the union of
 * categories (the reference's first, in their order, then new ones sorted). A category only one side
 * has counts 0 on the other: the chi-square test takes it as it is, PSI through its epsilon.
 */
export function categoricalTest(name: string, reference: CategoryReference, column: Column): Tested {
  const current = categoryCounts(column);
  const names = [...reference.counts.keys()];
  for (const key of [...current.counts.keys()].sort()) if (!reference.counts.has(key)) names.push(key);
  const ref = names.map((k) => reference.counts.get(k) ?? 0);
  const cur = names.map((k) => current.counts.get(k) ?? 0);
  const chi = chiSquareTest(ref, cur);
  const referenceCount = ref.reduce((a, b) => a + b, 0);
  return {
    name,
    type: 'categorical',
    test: 'chi-square',
    statistic: chi.statistic,
    ksD: 0,
    pValue: chi.pValue,
    psi: referenceCount > 0 && current.count > 0 ? psi(ref, cur) : 0,
    referenceCount,
    currentCount: current.count,
    referenceMissing: reference.missing,
    currentMissing: current.missing,
    reference: { kind: 'categories', counts: Object.fromEntries(reference.counts) },
    current: { kind: 'categories', counts: Object.fromEntries(current.counts) },
  };
}
