import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DriftReport, type FeatureDrift } from '../../../../functions/core/drift/drift-report.ts';
import { renderDriftReport } from '../../../../functions/core/drift/html-report.ts';
import { barsOf, COLORS } from '../../../../functions/core/drift/svg-chart.ts';
import { CHROMIUM, colorStats, countColor, hasChromium, readPng, screenshot } from '../../../support/chromium.ts';

const EDGES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const flat = [100, 100, 100, 100, 100, 100, 100, 100, 100, 100];

function numeric(name: string, drift: boolean, current: number[], adjustedPValue: number): FeatureDrift {
  return {
    name,
    type: 'numeric',
    test: 'ks',
    statistic: drift ? 0.21 : 0.012,
    pValue: adjustedPValue / 3,
    adjustedPValue,
    psi: drift ? 0.31 : 0.002,
    referenceCount: 1000,
    currentCount: current.reduce((a, b) => a + b, 0),
    drift,
    reason: drift ? 'KS D = 0.21 and PSI = 0.31 over their thresholds, adjusted p < 0.05' : 'adjusted p = 0.8 is not significant',
    reference: { kind: 'bins', edges: EDGES, counts: flat },
    current: { kind: 'bins', edges: EDGES, counts: current },
  };
}

const categorical = (name: string, drift: boolean): FeatureDrift => ({
  name,
  type: 'categorical',
  test: 'chi-square',
  statistic: drift ? 240.5 : 1.2,
  pValue: drift ? 1e-40 : 0.55,
  adjustedPValue: drift ? 1e-39 : 0.8,
  psi: drift ? 0.4 : 0.001,
  referenceCount: 900,
  currentCount: 900,
  drift,
  reason: drift ? 'chi-square significant and PSI = 0.4 over 0.2' : 'not significant',
  reference: { kind: 'categories', counts: { red: 300, green: 300, blue: 300 } },
  current: { kind: 'categories', counts: drift ? { red: 600, green: 150, blue: 100, purple: 50 } : { red: 310, green: 290, blue: 300 } },
});

/** A report as the detector writes it, with the order deliberately mixed: the page must sort it. */
export function sampleReport(): DriftReport {
  return DriftReport.parse({
    drift: true,
    model: { name: 'breast-cancer', version: '1.0.0' },
    reference: 'baseline of models/breast-cancer/1.0.0/model.json (456 rows)',
    current: '/data/current.csv',
    rows: 1000,
    settings: { alpha: 0.05, psiThreshold: 0.2, ksThreshold: 0.1, correction: 'benjamini-hochberg' },
    features: [
      numeric('steady_one', false, [98, 101, 99, 103, 100, 97, 102, 100, 100, 100], 0.9),
      numeric('shifted', true, [20, 40, 60, 80, 100, 120, 140, 140, 150, 150], 1e-50),
      categorical('colour', true),
      numeric('<script>alert("x")</script>', false, flat, 0.7),
      categorical('steady_category', false),
    ],
    createdAt: '2025-01-01T00:00:00.000Z',
  });
}

describe('renderDriftReport', () => {
  const html = renderDriftReport(sampleReport());

  it('renders every feature, drifted ones first', () => {
    const sections = [...html.matchAll(/<section class="feature (drift|ok)"[^>]*><h3>(.*?) <span/g)].map((m) => [m[1], m[2]]);
    expect(sections).toEqual([
      ['drift', 'shifted'],
      ['drift', 'colour'],
      ['ok', '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'],
      ['ok', 'steady_category'],
      ['ok', 'steady_one'],
    ]);
    expect(html).toContain('Drift detected: 2 of 5 features');
  });

  it('escapes text from user files: a feature named <script> is text, not markup', () => {
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('draws each feature as an inline SVG bar chart, reference and current side by side on the same bins', () => {
    const charts = html.match(/<svg class="chart"/g) ?? [];
    expect(charts).toHaveLength(5);
    // 10 bins x 2 sides for each numeric feature, 4 categories x 2 for the drifted categorical one.
    const shifted = html.slice(html.indexOf('id="feature-0"'), html.indexOf('id="feature-1"'));
    expect(shifted.match(/<rect class="reference"/g)).toHaveLength(10);
    expect(shifted.match(/<rect class="current"/g)).toHaveLength(10);
    const colour = html.slice(html.indexOf('id="feature-1"'), html.indexOf('id="feature-2"'));
    expect(colour.match(/<rect class="current"/g)).toHaveLength(4);
    expect(colour).toContain('purple');
  });

  it('shows the statistics, the decision and its reason', () => {
    const shifted = html.slice(html.indexOf('id="feature-0"'), html.indexOf('id="feature-1"'));
    for (const text of ['Kolmogorov', '0.21', '3.3e-51', '1.0e-50', '0.31', 'Decision:', 'over their thresholds']) expect(shifted).toContain(text);
    expect(html).toContain('breast-cancer 1.0.0');
    expect(html).toContain('/data/current.csv');
  });

  it('is self-contained: no script, no external URL, a policy that forbids fetching anything', () => {
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).toContain(`default-src 'none'`);
  });

  it('says so plainly when nothing drifted', () => {
    const report = sampleReport();
    const calm = renderDriftReport({ ...report, drift: false, features: report.features.filter((f) => !f.drift) });
    expect(calm).toContain('No drift: none of the 3 features drifted');
  });

  it('sums a long tail of categories into one bar', () => {
    const counts = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`c${i}`, 40 - i]));
    const bars = barsOf({ kind: 'categories', counts }, { kind: 'categories', counts })!;
    expect(bars).toHaveLength(24);
    expect(bars[0]!.label).toBe('c0');
    expect(bars.at(-1)!.label).toBe('(17 others)');
    expect(bars.reduce((s, b) => s + b.reference, 0)).toBeCloseTo(1, 10);
  });

  const inCi = Boolean(process.env.CI);
  const renders = 'renders in headless Chromium to a non-trivial screenshot with both chart colours';
  if (!hasChromium() && !inCi) console.warn(`SKIPPED the drift report's Chromium check: no ${CHROMIUM} (apt-get install chromium); under CI it fails instead`);
  it.skipIf(!hasChromium() && !inCi)(hasChromium() || inCi ? renders : `${renders} (SKIPPED: no ${CHROMIUM}; apt-get install chromium)`, async () => {
    if (!hasChromium()) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium, the report must be checked in a browser`);
    const dir = mkdtempSync(join(tmpdir(), 'drift-html-'));
    const page = join(dir, 'report.html');
    const png = join(dir, 'report.png');
    writeFileSync(page, html);
    await screenshot(page, png, { width: 1200, height: 2000 });
    expect(statSync(png).size).toBeGreaterThan(30_000);
    const image = readPng(png);
    expect([image.width, image.height]).toEqual([1200, 2000]);
    const stats = colorStats(image);
    expect(stats.distinct).toBeGreaterThan(30);
    expect(stats.nonBackground).toBeGreaterThan(0.1);
    // The bars themselves were drawn: many pixels of each side's colour.
    expect(countColor(image, COLORS.reference)).toBeGreaterThan(2_000);
    expect(countColor(image, COLORS.current)).toBeGreaterThan(2_000);
    // The red drift banner is there too.
    expect(countColor(image, '#ffebe9')).toBeGreaterThan(5_000);
  });
});
