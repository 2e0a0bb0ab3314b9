import { describe, expect, it } from 'vitest';
import { kolmogorovSurvival, ksAgainstBins, ksPValue, ksStatistic, ksTwoSample } from '../../../../functions/core/drift/ks.ts';
import { Rng } from './simulate.ts';

/** The D of two samples straight from its definition: the largest ECDF gap over every observed value, O((n+m)²). */
function definitionD(a: readonly number[], b: readonly number[]): number {
  const ecdf = (s: readonly number[], x: number) => s.filter((v) => v <= x).length / s.length;
  return Math.max(...[...a, ...b].map((x) => Math.abs(ecdf(a, x) - ecdf(b, x))));
}

/** Exact p-value by brute force: every split of the pooled values into groups of n and m, as a permutation test. */
function permutationPValue(a: readonly number[], b: readonly number[]): number {
  const pooled = [...a, ...b];
  const observed = definitionD(a, b);
  let extreme = 0;
  let total = 0;
  const pick = (start: number, chosen: number[]) => {
    if (chosen.length === a.length) {
      const inA = new Set(chosen);
      const d = definitionD(
        chosen.map((i) => pooled[i]!),
        pooled.filter((_, i) => !inA.has(i)),
      );
      total++;
      if (d >= observed - 1e-12) extreme++;
      return;
    }
    for (let i = start; i < pooled.length; i++) pick(i + 1, [...chosen, i]);
  };
  pick(0, []);
  return extreme / total;
}

/**
 * Exact P(D ≥ d) for samples of sizes n and m without ties, by counting the lattice paths from (0,0) to
 * (n,m) that stay strictly inside |i/n − j/m| < d (Hodges 1957): a method independent of the asymptotic one.
 */
function latticePValue(d: number, n: number, m: number): number {
  // Work with path fractions (each step weighted by its probability) so nothing overflows.
  let row = new Float64Array(m + 1);
  const inside = (i: number, j: number) => Math.abs(i / n - j / m) < d - 1e-12;
  row[0] = 1;
  for (let j = 1; j <= m; j++) row[j] = inside(0, j) ? row[j - 1]! : 0;
  for (let i = 1; i <= n; i++) {
    const next = new Float64Array(m + 1);
    next[0] = inside(i, 0) ? row[0]! : 0;
    for (let j = 1; j <= m; j++) next[j] = inside(i, j) ? row[j]! + next[j - 1]! : 0;
    row = next;
  }
  // row[m] counts paths inside; divide by C(n+m, n) in logs.
  let logC = 0;
  for (let k = 1; k <= n; k++) logC += Math.log(m + k) - Math.log(k);
  return 1 - row[m]! / Math.exp(logC);
}

describe('kolmogorovSurvival (the Kolmogorov distribution P(K > λ))', () => {
  it('meets the published critical values', () => {
    // Critical values of the Kolmogorov distribution as tabled in Smirnov (1948) and every KS table since:
    // P(K > 1.2238) = 0.10, P(K > 1.3581) = 0.05, P(K > 1.6276) = 0.01, P(K > 1.9495) = 0.001.
    expect(kolmogorovSurvival(1.2238)).toBeCloseTo(0.1, 4);
    expect(kolmogorovSurvival(1.3581)).toBeCloseTo(0.05, 4);
    expect(kolmogorovSurvival(1.6276)).toBeCloseTo(0.01, 4);
    expect(kolmogorovSurvival(1.9495)).toBeCloseTo(0.001, 5);
    // P(K ≤ 1) = 0.7300003283 (Smirnov's table; scipy.stats.kstwobign.sf(1) = 0.26999967).
    expect(kolmogorovSurvival(1)).toBeCloseTo(0.26999967, 7);
  });

  it('agrees with the alternating series summed to 200 terms, on both sides of its switch at λ = 1.18', () => {
    const alternating = (l: number) => {
      let s = 0;
      for (let k = 1; k <= 200; k++) s += 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * l * l);
      return s;
    };
    for (const l of [0.4, 0.6, 0.8, 1.0, 1.17, 1.19, 1.5, 2, 3]) expect(kolmogorovSurvival(l)).toBeCloseTo(alternating(l), 10);
  });

  it('keeps relative precision far in the tail and is 1 at 0', () => {
    // Leading term 2·exp(−2·λ²): at λ = 5, 2e^{−50} = 3.857e-22.
    expect(kolmogorovSurvival(5) / (2 * Math.exp(-50))).toBeCloseTo(1, 10);
    expect(kolmogorovSurvival(0)).toBe(1);
    // At λ = 0.2 the CDF is √(2π)/0.2 · e^{−π²/0.32} ≈ 5.05e-13.
    expect(1 - kolmogorovSurvival(0.2)).toBeCloseTo(5.05e-13, 14);
  });
});

describe('ksStatistic (two-sample D on sorted samples)', () => {
  it('finds the largest ECDF gap, stepping over ties on both sides together', () => {
    // By hand: a = 1,2,3,4 and b = 3..8. After 1: 1/4 − 0; after 2: 2/4 − 0; after 3 (in both): 3/4 − 1/6;
    // after 4 (in both): 1 − 2/6 = 2/3; from then on a's ECDF is 1 and the gap shrinks. D = 2/3.
    expect(ksStatistic([1, 2, 3, 4], [3, 4, 5, 6, 7, 8])).toBeCloseTo(2 / 3, 15);
    // Identical samples: 0. Disjoint: 1.
    expect(ksStatistic([1, 2, 2, 3], [1, 2, 2, 3])).toBe(0);
    expect(ksStatistic([1, 2], [3, 4, 5])).toBe(1);
    expect(ksStatistic([], [1])).toBe(0);
  });

  it('equals the definition on random samples with many ties', () => {
    const rng = new Rng(7);
    for (let t = 0; t < 50; t++) {
      const a = Array.from({ length: 1 + Math.floor(rng.next() * 30) }, () => Math.floor(rng.next() * 10)).sort((x, y) => x - y);
      const b = Array.from({ length: 1 + Math.floor(rng.next() * 30) }, () => Math.floor(rng.next() * 12)).sort((x, y) => x - y);
      expect(ksStatistic(a, b)).toBeCloseTo(definitionD(a, b), 12);
    }
  });

  it('is bit for bit the tie-aware merge, with and without values shared by both samples', () => {
    // The merge that measures the gap only after stepping over every copy of a value on both sides.
    const merged = (a: Float64Array, b: Float64Array) => {
      let [i, j, d] = [0, 0, 0];
      while (i < a.length && j < b.length) {
        const v = Math.min(a[i]!, b[j]!);
        while (i < a.length && a[i]! <= v) i++;
        while (j < b.length && b[j]! <= v) j++;
        d = Math.max(d, Math.abs(i * (1 / a.length) - j * (1 / b.length)));
      }
      return d;
    };
    const rng = new Rng(12);
    for (let t = 0; t < 40; t++) {
      const n = 1 + Math.floor(rng.next() * 5000);
      const m = 1 + Math.floor(rng.next() * 5000);
      const a = rng.normals(n, 0.2 * rng.next());
      const b = rng.normals(m);
      // Every fourth pair is rounded to a grid, so values are shared between the samples (the fallback); every other one has ties within a sample.
      if (t % 4 === 0) for (const s of [a, b]) for (let k = 0; k < s.length; k++) s[k] = Math.round(s[k]! * 20) / 20;
      if (t % 2 === 1) for (let k = 0; k < n; k += 7) a[k] = a[0]!;
      a.sort();
      b.sort();
      expect(ksStatistic(a, b), `n=${n} m=${m}`).toBe(merged(a, b));
      expect(ksStatistic(b, a)).toBe(merged(b, a));
    }
  });
});

describe('ksPValue (asymptotic, Stephens-corrected)', () => {
  it('the exact lattice-path p-value used below matches brute-force permutation on tiny samples', () => {
    const a = [0.1, 0.5, 0.9, 1.4, 2.2];
    const b = [0.7, 1.1, 1.6, 2.0, 2.5, 3.1];
    const d = definitionD(a, b);
    expect(latticePValue(d, a.length, b.length)).toBeCloseTo(permutationPValue(a, b), 12);
  });

  // Measured gaps to the exact p-value over λ = 0.8 … 2 (p from ~0.55 down to ~0.0005): 0.057 at 30 vs 30
  // (equal sizes are the worst case: D then moves in coarse steps of 1/30), 0.026 at 37 vs 53, 0.007 at
  // 40 vs 60, 0.002 at 200 vs 300, 0.011 at 500 vs 500; the gap shrinks towards the tail in every case.
  it('is close to the exact p-value, and closer as samples grow', () => {
    for (const [n, m, tolerance] of [
      [30, 30, 0.06],
      [37, 53, 0.03],
      [40, 60, 0.01],
      [200, 300, 0.0025],
      [500, 500, 0.012],
    ] as const) {
      for (const lambda of [0.8, 1.0, 1.2, 1.4, 1.7, 2.0]) {
        // A D that the lattice can take: a multiple of 1/lcm(n, m) near λ/√nₑ.
        const step = 1 / ((n * m) / gcd(n, m));
        const d = Math.round(lambda / Math.sqrt((n * m) / (n + m)) / step) * step;
        const exact = latticePValue(d, n, m);
        expect(Math.abs(ksPValue(d, n, m) - exact), `n=${n} m=${m} D=${d} exact=${exact}`).toBeLessThan(tolerance);
      }
    }
  });

  it('on a fixed pair of samples: D by hand, p-value against the exact one', () => {
    // a = 0, 1, …, 19 and b = 10.5, 11.5, …, 39.5 (no ties; 20 vs 30 values). The ECDF gap is largest
    // at 19: a's ECDF is 1, b's counts 10.5 … 18.5, 9 of 30 = 0.3, so D = 0.7.
    const a = Array.from({ length: 20 }, (_, i) => i);
    const b = Array.from({ length: 30 }, (_, i) => i + 10.5);
    const { d, pValue } = ksTwoSample(a, b);
    expect(d).toBeCloseTo(0.7, 15);
    const exact = latticePValue(d, 20, 30);
    expect(exact).toBeGreaterThan(0);
    expect(exact).toBeLessThan(1e-4);
    expect(pValue / exact).toBeGreaterThan(0.5);
    expect(pValue / exact).toBeLessThan(2);
  });
});

describe('ksAgainstBins (a sample against a baseline kept as quantile bins)', () => {
  it('takes the largest CDF gap at the edges, below the first and above the last', () => {
    // Reference: 4 bins of 10 rows over edges 0..4, so its CDF at the edges is 0, .25, .5, .75, 1.
    // Sample of 40: 2 below 0, then 5, 5, 10, 15 in the bins, 3 above 4.
    // Sample CDF just below edges 1, 2, 3: 7/40, 12/40, 22/40; gaps .075, .2, .2; below 2/40, above 3/40. D = 0.2.
    const r = ksAgainstBins([10, 10, 10, 10], { below: 2, counts: [5, 5, 10, 15], above: 3 });
    expect(r.d).toBeCloseTo(0.2, 15);
    expect(r.pValue).toBeCloseTo(ksPValue(0.2, 40, 40), 15);
    expect(ksAgainstBins([10, 10], { below: 0, counts: [0, 0], above: 0 })).toEqual({ d: 0, pValue: 1 });
  });

  it('never exceeds the D of the full samples (so its p-value is conservative)', () => {
    const rng = new Rng(11);
    for (let t = 0; t < 20; t++) {
      const ref = rng.normals(500).sort();
      const cur = rng.normals(400, 0.3 * rng.next()).sort();
      const edges = [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1].map((q) => ref[Math.round(q * (ref.length - 1))]!);
      const count = (s: Float64Array, lo: number, hi: number, last: boolean) => s.filter((v) => v >= lo && (last ? v <= hi : v < hi)).length;
      const binsOf = (s: Float64Array) => edges.slice(0, -1).map((e, i) => count(s, e, edges[i + 1]!, i === edges.length - 2));
      const sample = { below: cur.filter((v) => v < edges[0]!).length, counts: binsOf(cur), above: cur.filter((v) => v > edges.at(-1)!).length };
      expect(ksAgainstBins(binsOf(ref), sample).d).toBeLessThanOrEqual(ksStatistic(ref, cur) + 1e-12);
    }
  });
});

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
