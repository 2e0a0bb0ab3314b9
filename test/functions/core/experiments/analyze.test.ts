import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, analyzeColumns } from '../../../../functions/core/experiments/analyze.ts';
import { holm } from '../../../../functions/core/experiments/holm.ts';
import { renderAbReport } from '../../../../functions/core/experiments/html-report.ts';
import { twoProportionZTest } from '../../../../functions/core/experiments/proportions.ts';
import { readAbColumns } from '../../../../functions/core/experiments/read-rows.ts';

/** `n` rows of `variant` with `successes` ones first, then zeros. */
const block = (variant: string, n: number, successes: number) => Array.from({ length: n }, (_, i) => ({ variant, value: i < successes ? 1 : 0 }));

describe('analyze', () => {
  it('reproduces the z-test and SRM of its parts on two variants', () => {
    const a = analyze([...block('A', 2000, 200), ...block('B', 2000, 250)]);
    const z = twoProportionZTest({ n: 2000, successes: 200 }, { n: 2000, successes: 250 });
    expect(a.metric).toBe('conversion');
    expect(a.control).toBe('A');
    expect(a.treatment).toBe('B');
    expect(a.pValue).toBeCloseTo(z.pValue, 15);
    expect(a.ci).toEqual(z.ci);
    expect(a.lift).toBeCloseTo(0.25, 14);
    expect(a.variants.map((v) => [v.name, v.n])).toEqual([
      ['A', 2000],
      ['B', 2000],
    ]);
    expect(a.variants[0]!.mean).toBeCloseTo(0.1, 14);
    expect(a.variants[1]!.mean).toBeCloseTo(0.125, 14);
    expect(a.srm.pValue).toBe(1);
    expect(a.correction).toBe('none');
  });

  it('compares each treatment with the control and Holm-adjusts with three variants', () => {
    const rows = [...block('ctl', 3000, 300), ...block('t1', 3000, 330), ...block('t2', 3000, 390)];
    const a = analyze(rows, { weights: [1, 1, 1] });
    const raw = [
      twoProportionZTest({ n: 3000, successes: 300 }, { n: 3000, successes: 330 }).pValue,
      twoProportionZTest({ n: 3000, successes: 300 }, { n: 3000, successes: 390 }).pValue,
    ];
    expect(a.correction).toBe('holm');
    expect(a.comparisons.map((c) => c.treatment)).toEqual(['t1', 't2']);
    expect(a.comparisons.map((c) => c.pValue)).toEqual(holm(raw));
    // The headline is the comparison with the smallest adjusted p-value.
    expect(a.treatment).toBe('t2');
    expect(a.significant).toBe(true);
    expect(a.comparisons[0]!.significant).toBe(false);
  });

  it('picks the metric from the values, drops rows without a variant or value, and checks its inputs', () => {
    const a = analyzeColumns(['x', 'y', null, 'x', 'y', 'x', 'y'], [1.5, 2, 3, 2.5, 4, NaN, 3]);
    expect(a.metric).toBe('mean');
    expect(a.test).toBe("Welch's t-test");
    expect(a.dropped).toBe(2);
    expect(a.rows).toBe(5);
    expect(a.variants.map((v) => v.n)).toEqual([2, 3]);
    expect(() => analyze([{ variant: 'a', value: 1 }])).toThrow(/only one variant/);
    expect(() => analyze([...block('a', 5, 1), { variant: 'b', value: 1 }], { control: 'c' })).toThrow(/no variant "c"/);
    expect(() => analyze([...block('a', 5, 1), { variant: 'b', value: 1 }], { metric: 'mean' })).toThrow(/at least 2/);
    expect(() => analyze([...block('a', 5, 1), { variant: 'b', value: 0.5 }], { metric: 'conversion' })).toThrow(/0 or 1/);
    expect(() => analyze([...block('a', 5, 1), ...block('b', 5, 1)], { weights: { a: 1, z: 1 } })).toThrow(/unknown variants: z/);
  });

  it('renders a report for more than two variants', () => {
    const html = renderAbReport(analyze([...block('ctl', 500, 50), ...block('t1', 500, 60), ...block('t2', 500, 80)]), { input: 'x.csv' });
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(html).toContain('Holm across 2 comparisons');
  });
});

describe('readAbColumns', () => {
  it('orders rows by a time column (ISO dates or numbers), stably', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ab-read-'));
    const path = join(dir, 'rows.csv');
    writeFileSync(path, 'when,variant,value\n2025-01-03T00:00:00Z,c,1\n2025-01-01T00:00:00Z,a,0\n2025-01-02T00:00:00Z,b,1\n2025-01-01T00:00:00Z,a2,1\n');
    const r = await readAbColumns(path, { timeColumn: 'when' });
    expect(r.variants).toEqual(['a', 'a2', 'b', 'c']);
    expect([...r.values]).toEqual([0, 1, 1, 1]);
    await expect(readAbColumns(path, { valueColumn: 'converted' })).rejects.toThrow(/no column "converted"/);
    writeFileSync(path, 'variant,value,t\na,1,later\n');
    await expect(readAbColumns(path, { timeColumn: 't' })).rejects.toThrow(/neither a number nor a date/);
  });
});
