import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { driftAgainstBaseline, driftBetween } from '../../../../functions/core/drift/detect.ts';
import { DriftReport } from '../../../../functions/core/drift/drift-report.ts';
import { parsePackage } from '../../../../functions/core/package-file.ts';
import type { ModelPackage } from '../../../../functions/core/model-package.ts';
import { categoricalBaseline, numericBaseline } from '../../../../models/build/baseline.ts';
import { normalColumns, numericSpecs, Rng } from './simulate.ts';

const now = new Date('2025-01-02T03:04:05Z');

/** A model package with just what drift detection reads: features and their baseline from reference rows. */
function packageFrom(reference: Map<string, ArrayLike<number> | string[]>): Pick<ModelPackage, 'name' | 'version' | 'features' | 'baseline'> {
  const features: ModelPackage['features'] = [];
  const baselines: ModelPackage['baseline']['features'] = {};
  let rows = 0;
  for (const [name, column] of reference) {
    rows = column.length;
    if (Array.isArray(column) && typeof column[0] === 'string') {
      features.push({ name, type: 'categorical', categories: [...new Set(column as string[])], allowMissing: false });
      baselines[name] = categoricalBaseline(column as string[]);
    } else {
      features.push({ name, type: 'numeric', allowMissing: false });
      baselines[name] = numericBaseline(Array.from(column as ArrayLike<number>));
    }
  }
  return { name: 'sim', version: '1.0.0', features, baseline: { rows, features: baselines } };
}

describe('driftBetween', () => {
  it('produces a complete report that passes the contract, drifted features first', () => {
    const rng = new Rng(1);
    const n = 4000;
    const reference = new Map<string, ArrayLike<number | null> | (string | null)[]>([
      ...normalColumns(rng, n, 3),
      ['color', Array.from({ length: n }, () => (rng.next() < 0.5 ? 'red' : 'blue'))],
      ['predictions', Array.from({ length: n }, () => (rng.next() < 0.3 ? 'yes' : 'no'))],
    ]);
    const x1 = rng.normals(n, 1);
    const withGaps = Array.from(rng.normals(n), (v, i) => (i % 100 === 0 ? null : v));
    const current = new Map<string, ArrayLike<number | null> | (string | null)[]>([
      ['x0', withGaps],
      ['x1', x1],
      ['x2', rng.normals(n)],
      // A new category takes 30%: drift, though the chi-square reference never saw it.
      ['color', Array.from({ length: n }, () => (rng.next() < 0.3 ? 'green' : rng.next() < 0.5 ? 'red' : 'blue'))],
      ['predictions', Array.from({ length: n }, () => (rng.next() < 0.3 ? 'yes' : 'no'))],
    ]);
    const report = driftBetween(reference, current, [...numericSpecs(3), { name: 'color', type: 'categorical' }], {
      reference: 'a.csv',
      current: 'b.csv',
      now,
      model: { name: 'm', version: '2.0.0' },
    });
    expect(DriftReport.parse(report)).toEqual(report);
    expect(report).toMatchObject({ drift: true, reference: 'a.csv', current: 'b.csv', rows: n, createdAt: now.toISOString(), model: { name: 'm', version: '2.0.0' } });
    expect(report.settings).toEqual({ alpha: 0.05, psiThreshold: 0.1, ksThreshold: 0.05, correction: 'benjamini-hochberg' });
    expect(report.features.map((f) => [f.name, f.drift])).toEqual([
      [report.features[0]!.name, true],
      [report.features[1]!.name, true],
      [report.features[2]!.name, false],
      [report.features[3]!.name, false],
    ]);
    expect(new Set(report.features.slice(0, 2).map((f) => f.name))).toEqual(new Set(['x1', 'color']));
    const x0 = report.features.find((f) => f.name === 'x0')!;
    expect(x0).toMatchObject({ currentCount: n - 40, referenceCount: n, test: 'ks' });
    expect(x0.reason).toContain('40 missing current values skipped');
    const color = report.features.find((f) => f.name === 'color')!;
    expect(color).toMatchObject({ test: 'chi-square', type: 'categorical' });
    expect(color.current).toMatchObject({ kind: 'categories' });
    expect(report.features.find((f) => f.name === 'x1')!.reference).toMatchObject({ kind: 'bins' });
    expect(report.prediction).toMatchObject({ name: 'predictions', test: 'chi-square', drift: false });
    // The non-drifted features are in adjusted p-value order.
    expect(report.features[2]!.adjustedPValue).toBeLessThanOrEqual(report.features[3]!.adjustedPValue);
  });

  it('says why in words: real but small, too few values, no values', () => {
    const rng = new Rng(2);
    // 200k rows, 0.03 SD apart: significant (D ≈ 0.012), immaterial.
    const big = driftBetween(new Map([['x', rng.normals(200_000)]]), new Map([['x', rng.normals(200_000, 0.03)]]), numericSpecs(0).concat({ name: 'x', type: 'numeric' }));
    expect(big.features[0]!.drift).toBe(false);
    expect(big.features[0]!.reason).toMatch(/^a real but small shift: adjusted p .* < 0\.05, yet KS D 0\.0\d\d < 0\.05, PSI .* < 0\.1$/);
    // 8 rows, far apart in PSI, not significant.
    const few = driftBetween(new Map([['x', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]]), new Map([['x', [5, 6, 7, 8, 9, 10, 11]]]), [{ name: 'x', type: 'numeric' }]);
    expect(few.features[0]!.reason).toMatch(/^too few values to tell/);
    const none = driftBetween(new Map([['x', [1, 2]]]), new Map([['x', [null, NaN]]]), [{ name: 'x', type: 'numeric' }]);
    expect(none.features[0]).toMatchObject({ drift: false, currentCount: 0, pValue: 1, psi: 0 });
    expect(none.features[0]!.reason).toMatch(/^no current values/);
  });

  it('refuses a missing column and text in a numeric column', () => {
    expect(() => driftBetween(new Map([['x', [1]]]), new Map(), [{ name: 'x', type: 'numeric' }])).toThrow('current rows have no column "x"');
    expect(() => driftBetween(new Map([['x', [1]]]), new Map([['x', ['a']]]), [{ name: 'x', type: 'numeric' }])).toThrow('row 0 holds "a"');
  });
});

describe('driftAgainstBaseline', () => {
  it('checks the shipped breast-cancer model: rows drawn from its own bins pass, a feature scaled by 1.3 drifts', () => {
    const pkg = parsePackage(readFileSync(new URL('../../../../models/breast-cancer/1.0.0/model.json', import.meta.url), 'utf8'), 'models/breast-cancer/1.0.0');
    const rng = new Rng(5);
    // 2,000 rows drawn uniformly within each baseline bin in proportion to its count.
    const draw = (name: string, scale = 1) => {
      const b = pkg.baseline.features[name]!;
      if (b.type !== 'numeric') throw new Error('numeric expected');
      const total = b.bins.counts.reduce((a, c) => a + c, 0);
      return Float64Array.from({ length: 2000 }, () => {
        let u = rng.next() * total;
        let i = 0;
        while (u >= b.bins.counts[i]!) u -= b.bins.counts[i++]!;
        return scale * (b.bins.edges[i]! + rng.next() * (b.bins.edges[i + 1]! - b.bins.edges[i]!));
      });
    };
    const names = pkg.features.map((f) => f.name);
    const same = driftAgainstBaseline(pkg, new Map(names.map((n) => [n, draw(n)])), { now, current: 's3://capture/2025/01/02/' });
    expect(DriftReport.parse(same)).toEqual(same);
    expect(same.drift).toBe(false);
    expect(same.model).toEqual({ name: 'breast-cancer', version: '1.0.0' });
    expect(same.reference).toBe('baseline of breast-cancer 1.0.0 (456 training rows)');
    expect(same.features).toHaveLength(names.length);
    const scaled = driftAgainstBaseline(pkg, new Map(names.map((n) => [n, draw(n, n === names[3] ? 1.3 : 1)])), { now });
    expect(scaled.features.filter((f) => f.drift).map((f) => f.name)).toEqual([names[3]]);
    expect(scaled.features[0]!.reference).toEqual({ kind: 'bins', ...(pkg.baseline.features[names[3]!] as { bins: object }).bins });
  });

  it('checks categorical features and predictions against a baseline, and only the features it was given', () => {
    const rng = new Rng(6);
    const reference = new Map<string, ArrayLike<number> | string[]>([
      ['x', rng.normals(5000)],
      ['sex', Array.from({ length: 5000 }, () => (rng.next() < 0.5 ? 'f' : 'm'))],
    ]);
    const pkg = { ...packageFrom(reference), features: [...packageFrom(reference).features, { name: 'absent', type: 'numeric' as const, allowMissing: false }] };
    const current = new Map<string, ArrayLike<number | null> | (string | null)[]>([
      ['sex', Array.from({ length: 3000 }, () => (rng.next() < 0.75 ? 'f' : 'm'))],
      ['predictions', rng.normals(3000, 0.5)],
    ]);
    const report = driftAgainstBaseline(pkg, current, { predictionReference: numericBaseline(Array.from(rng.normals(5000))) });
    // "absent" and "x" have no current column: skipped.
    expect(report.features.map((f) => [f.name, f.test, f.drift])).toEqual([['sex', 'chi-square', true]]);
    expect(report.features[0]!.psi).toBeGreaterThan(0.1);
    expect(report.prediction).toMatchObject({ name: 'predictions', test: 'ks', drift: true });
    expect(report.prediction!.adjustedPValue).toBe(report.prediction!.pValue);
    expect(() => driftAgainstBaseline(pkg, current, { features: ['x'] })).toThrow('current rows have no column "x"');
    expect(() => driftAgainstBaseline(pkg, new Map())).toThrow('none of the features');
  });
});
