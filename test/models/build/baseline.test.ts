import { describe, expect, it } from 'vitest';
import { Baseline } from '../../../functions/core/model-package.ts';
import { categoricalBaseline, numericBaseline, quantile } from '../../../models/build/baseline.ts';
import { Random } from '../../../models/build/random.ts';

const numeric = (values: number[]) => {
  const b = numericBaseline(values);
  if (b.type !== 'numeric') throw new Error('expected a numeric baseline');
  return b;
};

describe('training baselines', () => {
  it('interpolates quantiles between order statistics', () => {
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
  });

  it('summarises a numeric feature with moments and ten decile bins holding every row', () => {
    const random = new Random(1);
    const values = Array.from({ length: 1000 }, () => random.normal() * 3 + 10);
    const b = numeric(values);
    expect(Baseline.parse(b)).toEqual(b);
    expect(b.count).toBe(1000);
    expect(b.mean).toBeCloseTo(10, 0);
    expect(b.std).toBeCloseTo(3, 0);
    expect(b.bins.edges).toHaveLength(11);
    expect(b.bins.edges[0]).toBe(b.min);
    expect(b.bins.edges.at(-1)).toBe(b.max);
    expect(b.bins.counts.reduce((a, c) => a + c, 0)).toBe(1000);
    for (const c of b.bins.counts) expect(c).toBe(100);
  });

  it('merges repeated edges of a skewed feature and still counts every row once', () => {
    const values = [...Array(80).fill(0), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ...Array(10).fill(10)];
    const b = numeric(values);
    expect(new Set(b.bins.edges).size).toBe(b.bins.edges.length);
    expect(b.bins.counts).toHaveLength(b.bins.edges.length - 1);
    expect(b.bins.counts.reduce((a, c) => a + c, 0)).toBe(values.length);
    expect(b.bins.counts[0]).toBe(80);
  });

  it('keeps a constant feature as one bin', () => {
    expect(numeric([5, 5, 5]).bins).toEqual({ edges: [5, 5], counts: [3] });
  });

  it('counts categories in sorted key order', () => {
    const b = categoricalBaseline(['male', 'female', 'male']);
    expect(b).toEqual({ type: 'categorical', count: 3, frequencies: { female: 1, male: 2 } });
    expect(Object.keys(b.type === 'categorical' ? b.frequencies : {})).toEqual(['female', 'male']);
  });
});
