import { describe, expect, it } from 'vitest';
import { renderShadowReport } from '../../../../functions/core/compare/shadow-html.ts';
import { summarizeShadow } from '../../../../functions/core/compare/shadow-report.ts';

const p = (label: string, benign: number) => ({ label, probability: Math.max(benign, 1 - benign), probabilities: { benign, malignant: 1 - benign } });

const record = (ts: string, requestId: string, primary: ReturnType<typeof p>[], answers: ReturnType<typeof p>[] | undefined, latency = { primary: 1, candidate: 2 }) => ({
  ts,
  requestId,
  model: 'breast-cancer',
  version: '1.0.0',
  candidate: '1.1.0',
  rows: primary.length,
  latencyMs: latency,
  predictions: primary,
  ...(answers ? { answers } : { error: 'session released' }),
});

describe('shadow comparison', () => {
  const records = [
    record('2026-11-23T10:05:00.000Z', 'a', [p('benign', 0.9), p('malignant', 0.2)], [p('benign', 0.8), p('benign', 0.6)], { primary: 1, candidate: 3 }),
    record('2026-11-23T10:45:00.000Z', 'b', [p('benign', 0.7)], [p('benign', 0.7)], { primary: 2, candidate: 4 }),
    record('2026-11-23T11:10:00.000Z', 'c', [p('malignant', 0.1)], undefined, { primary: 3, candidate: 9 }),
  ];

  it('counts agreement, differences and label moves over the rows the candidate answered', () => {
    const { pairs, skipped } = summarizeShadow(records);
    expect(skipped).toBe(0);
    expect(pairs).toHaveLength(1);
    const pair = pairs[0]!;
    expect(pair).toMatchObject({ model: 'breast-cancer', version: '1.0.0', candidate: '1.1.0', requests: 3, errors: 1, errorMessages: ['session released'] });
    expect(pair.errorRate).toBeCloseTo(1 / 3, 12);
    // Rows: benign→benign (gap 0.1), malignant→benign (gap 0.4), benign→benign (gap 0).
    expect(pair.comparison.rows).toBe(3);
    expect(pair.comparison.agreement).toBeCloseTo(2 / 3, 12);
    expect(pair.comparison.meanAbsDiff).toBeCloseTo(0.5 / 3, 12);
    expect(pair.comparison.maxAbsDiff).toBeCloseTo(0.4, 12);
    expect(pair.transitions).toEqual({ 'malignant -> benign': 1 });
    expect(pair.labels).toEqual({ primary: { benign: 2, malignant: 1 }, candidate: { benign: 3 } });
  });

  it('sets both sides\' scoring times side by side, the candidate\'s only where it answered', () => {
    const pair = summarizeShadow(records).pairs[0]!;
    expect(pair.latencyMs.primary).toMatchObject({ mean: 2, p50: 2 });
    expect(pair.latencyMs.candidate).toMatchObject({ mean: 3.5, p50: 3.5 });
  });

  it('splits the comparison by hour, failures included', () => {
    const hours = summarizeShadow(records).pairs[0]!.hours;
    expect(hours.map((h) => [h.hour, h.requests, h.errors, h.comparison.rows])).toEqual([
      ['2026-11-23T10', 2, 0, 3],
      ['2026-11-23T11', 1, 1, 0],
    ]);
  });

  it('keeps each model, primary and candidate pair apart, and skips records that are not shadow records', () => {
    const other = { ...record('2026-11-23T12:00:00.000Z', 'd', [p('benign', 0.9)], [p('benign', 0.9)]), candidate: '2.0.0' };
    const torn = { ...record('2026-11-23T12:00:00.000Z', 'e', [p('benign', 0.9)], [p('benign', 0.9), p('benign', 0.9)]) };
    const capture = { ts: '2026-11-23T12:00:00.000Z', requestId: 'f', index: 0, model: 'breast-cancer', version: '1.0.0', features: {}, prediction: p('benign', 0.9) };
    const { pairs, skipped } = summarizeShadow([...records, other, torn, capture, 'not a record']);
    expect(pairs.map((x) => [x.candidate, x.requests])).toEqual([
      ['1.1.0', 3],
      ['2.0.0', 1],
    ]);
    expect(skipped).toBe(3);
  });

  it('renders a page that names the pair, its failures and its label moves, with data-sourced text escaped', () => {
    const evil = records.map((r) => ({ ...r, candidate: '1.1.0<script>' }));
    const html = renderShadowReport(summarizeShadow(evil), { input: 's3://bucket/captures/' });
    expect(html).toContain('breast-cancer: primary 1.0.0, shadow 1.1.0&lt;script&gt;');
    expect(html).toContain('failed on 1 of 3 requests');
    expect(html).toContain('malignant → benign');
    expect(html).not.toContain('<script>');
    expect(html.match(/<svg /g)).toHaveLength(2);
  });

  it('draws both sides\' labels and every scoring time, each bar counting its own side', () => {
    const html = renderShadowReport(summarizeShadow(records));
    const [labels, latency] = html.split('<svg ').slice(1);
    expect(labels).toContain('benign — primary: 66.7% (2)');
    expect(labels).toContain('benign — candidate: 100.0% (3)');
    const counted = (side: string) => [...latency!.matchAll(new RegExp(`— ${side}: [\\d.]+% \\((\\d+)\\)`, 'g'))].reduce((n, m) => n + Number(m[1]), 0);
    // Three requests timed on the primary, two answered by the candidate.
    expect([counted('primary'), counted('candidate')]).toEqual([3, 2]);
  });
});
