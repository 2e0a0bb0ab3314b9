import { describe, expect, it } from 'vitest';
import { chiSquareSurvival, chiSquareTest } from '../../../../functions/core/drift/chi-square.ts';

describe('chiSquareSurvival', () => {
  it('meets the published critical values', () => {
    // Upper-tail critical values from the standard chi-square table (e.g. NIST/SEMATECH e-Handbook, 1.3.6.7.4).
    const table: [x: number, df: number, p: number][] = [
      [3.841, 1, 0.05],
      [6.635, 1, 0.01],
      [10.828, 1, 0.001],
      [7.815, 3, 0.05],
      [18.307, 10, 0.05],
      [23.209, 10, 0.01],
      [43.773, 30, 0.05],
      [124.342, 100, 0.05],
    ];
    for (const [x, df, p] of table) expect(chiSquareSurvival(x, df) / p, `χ²(${df}) > ${x}`).toBeCloseTo(1, 3);
  });

  it('matches the closed forms for even degrees of freedom, deep into the tail', () => {
    // For df = 2k: P(X > x) = e^{−x/2} Σ_{i<k} (x/2)^i / i!.
    const closed = (x: number, df: number) => {
      let term = 1;
      let sum = 1;
      for (let i = 1; i < df / 2; i++) sum += (term *= x / 2 / i);
      return Math.exp(-x / 2) * sum;
    };
    for (const df of [2, 4, 10]) {
      for (const x of [0.5, 3, 9, 20, 60, 200]) expect(chiSquareSurvival(x, df) / closed(x, df), `df=${df} x=${x}`).toBeCloseTo(1, 10);
    }
    expect(chiSquareSurvival(0, 3)).toBe(1);
  });
});

describe('chiSquareTest (2×k homogeneity)', () => {
  it('computes the statistic by hand on a small table', () => {
    // reference 30, 50, 20 and current 20, 50, 30: 100 rows each, column totals 50, 100, 50, so expected
    // 25, 50, 25 in both rows. χ² = 2·[(5²)/25 + 0 + (5²)/25] = 4 on 2 df, p = e^{−2} = 0.135335.
    const r = chiSquareTest([30, 50, 20], [20, 50, 30]);
    expect(r.statistic).toBeCloseTo(4, 12);
    expect(r.df).toBe(2);
    expect(r.pValue).toBeCloseTo(Math.exp(-2), 12);
    expect(chiSquareTest([30, 50, 20], [30, 50, 20]).statistic).toBe(0);
  });

  it('takes a category the reference never saw as evidence, with no pseudo-count', () => {
    // reference 100, 100, 0; current 80, 80, 40 (200 each): expected 90, 90, 20 per row.
    // χ² = 2·(10²/90)·2 + 20²/20·2 = 4.444 + 40 = 44.444 on 2 df: p = e^{−22.222}.
    const r = chiSquareTest([100, 100, 0], [80, 80, 40]);
    expect(r.statistic).toBeCloseTo(400 / 9, 10);
    expect(r.pValue / Math.exp(-200 / 9)).toBeCloseTo(1, 8);
  });

  it('pools categories whose expected counts are under 5, and merges a pool still too small', () => {
    // reference 60, 40, 3, 0 and current 40, 60, 0, 3 (103 rows each). Categories 3 and 4 have 3 rows over
    // both samples (expected 1.5 per row): they pool into one cell of 3 + 3, still under 5, which joins
    // the smallest other category (a tie: the first). Table: A = 63 | 43, B = 40 | 60; expected 53 and 50.
    // χ² = 2·10²/53 + 2·10²/50 = 3.773585 + 4 = 7.773585 on 1 df.
    const r = chiSquareTest([60, 40, 3, 0], [40, 60, 0, 3]);
    expect(r.pooled).toBe(2);
    expect(r.df).toBe(1);
    expect(r.statistic).toBeCloseTo(200 / 53 + 4, 12);
    // Nothing to compare: an empty side, or a single category.
    expect(chiSquareTest([0, 0], [1, 2]).pValue).toBe(1);
    expect(chiSquareTest([10], [20]).pValue).toBe(1);
  });
});
