import { describe, expect, it } from 'vitest';
import { binSorted, binUnsorted, clampedCounts, quantileEdges } from '../../../../functions/core/drift/bins.ts';
import { numericBaseline } from '../../../../models/build/baseline.ts';
import { Rng } from './simulate.ts';

describe('quantile bins', () => {
  it('match the bins models/build/baseline.ts writes into model.json, on continuous and on tied data', () => {
    const rng = new Rng(9);
    const continuous = Array.from(rng.normals(1234));
    const tied = Array.from({ length: 800 }, () => Math.floor(rng.next() * 4));
    for (const values of [continuous, tied]) {
      const baseline = numericBaseline(values);
      if (baseline.type !== 'numeric') throw new Error('numeric expected');
      const sorted = Float64Array.from(values).sort();
      const edges = quantileEdges(sorted);
      expect(edges).toEqual(baseline.bins.edges);
      expect(clampedCounts(binSorted(sorted, edges))).toEqual(baseline.bins.counts);
      expect(clampedCounts(binUnsorted(Float64Array.from(values), values.length, edges))).toEqual(baseline.bins.counts);
    }
  });

  it('count values outside the edges apart, sorted or not', () => {
    // Edges 0, 1, 2: bins [0, 1) and [1, 2]; −1 is below, 3 above, 2 is in the closed last bin.
    const values = [-1, 0, 0.5, 1, 1.5, 2, 3];
    const expected = { below: 1, counts: [2, 3], above: 1 };
    expect(binSorted(values, [0, 1, 2])).toEqual(expected);
    expect(binUnsorted(Float64Array.from([3, 2, 1.5, 1, 0.5, 0, -1]), 7, [0, 1, 2])).toEqual(expected);
    expect(clampedCounts(expected)).toEqual([3, 4]);
    // A constant reference: one bin [x, x].
    expect(quantileEdges([4, 4, 4])).toEqual([4, 4]);
    expect(binSorted([3, 4, 4, 5], [4, 4])).toEqual({ below: 1, counts: [2], above: 1 });
  });
});
