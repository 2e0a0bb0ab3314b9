import { BASE_STYLE, formatP, htmlPage } from '../reports/html-page.ts';
import type { Distribution, DriftReport, FeatureDrift } from './drift-report.ts';
import { barChartSvg, barsOf, COLORS, escapeHtml as e, formatNumber, formatPercent } from './svg-chart.ts';

/**
 * A drift report as one self-contained HTML page: a summary, a table of every feature, then one
 * section per feature (drifted first) with the reference and current distributions drawn as static
 * SVG bars, the test, its statistic and p-values, the PSI and the decision with its reason. No
 * script, no external resource (its Content-Security-Policy forbids any), every text escaped.
 */

const STYLE = `${BASE_STYLE}
h3 { font-size: 15px; margin: 0; display: flex; gap: 10px; align-items: center; word-break: break-all; }
.banner.drift { background: #ffebe9; border: 1px solid #ff8182; color: #82071e; }
.banner.ok { background: #dafbe1; border: 1px solid #4ac26b; color: #116329; }
tr.drift td:first-child { font-weight: 600; }
.badge { font-size: 12px; font-weight: 600; padding: 2px 8px; border-radius: 12px; white-space: nowrap; }
.badge.drift { background: #cf222e; color: #fff; }
.badge.ok { background: #1a7f37; color: #fff; }
section.feature { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 16px 18px; margin: 14px 0; }
section.feature.drift { border-left: 5px solid #cf222e; }
section.feature.ok { border-left: 5px solid #1a7f37; }
.body { display: flex; flex-wrap: wrap; gap: 18px; margin-top: 10px; align-items: flex-start; }
.stats { min-width: 260px; flex: 1; }
.stats dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 8px; }
.stats dt { color: #57606a; }
.stats dd { margin: 0; font-variant-numeric: tabular-nums; }
.reason { color: #1f2328; background: #f6f8fa; border-radius: 6px; padding: 8px 10px; margin: 0; }
.legend { display: flex; gap: 14px; font-size: 12px; color: #57606a; margin: 0 0 4px 48px; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 5px; vertical-align: -1px; }
.legend .reference::before { background: ${COLORS.reference}; }
.legend .current::before { background: ${COLORS.current}; }
`;

const TEST_NAMES: Record<FeatureDrift['test'], string> = { ks: 'Kolmogorov–Smirnov (two-sample)', 'chi-square': 'chi-square' };

/** Drifted first, then by adjusted p-value, then by PSI (largest first); stable otherwise. */
export function orderFeatures(features: readonly FeatureDrift[]): FeatureDrift[] {
  return [...features].sort(
    (a, b) => Number(b.drift) - Number(a.drift) || a.adjustedPValue - b.adjustedPValue || b.psi - a.psi,
  );
}

const badge = (drift: boolean) => `<span class="badge ${drift ? 'drift' : 'ok'}">${drift ? 'drift' : 'no drift'}</span>`;

/** An id for an anchor that any feature name maps to. */
const anchor = (i: number) => `feature-${i}`;

function distributionSummary(d: Distribution): string {
  if (d.kind === 'bins') return `${d.counts.length} bins`;
  return `${Object.keys(d.counts).length} categories`;
}

function chartOf(f: FeatureDrift): string {
  const bars = barsOf(f.reference, f.current);
  const legend = `<div class="legend"><span class="reference">reference (${f.referenceCount.toLocaleString('en-US')})</span><span class="current">current (${f.currentCount.toLocaleString('en-US')})</span></div>`;
  if (bars) return legend + barChartSvg(bars, `${f.name}: reference and current distributions`);
  // Different bins on the two sides: each drawn alone on its own axis.
  const alone = (d: Distribution, side: 'reference' | 'current') => {
    const empty: Distribution = d.kind === 'bins' ? { kind: 'bins', edges: d.edges, counts: d.counts.map(() => 0) } : { kind: 'categories', counts: {} };
    const b = side === 'reference' ? barsOf(d, empty) : barsOf(empty, d);
    return b ? barChartSvg(b, `${f.name}: ${side} distribution`) : '';
  };
  return `${legend}<p class="note">The two sides were binned differently; each is drawn on its own bins.</p>${alone(f.reference, 'reference')}${alone(f.current, 'current')}`;
}

function featureSection(f: FeatureDrift, i: number, kind = 'feature'): string {
  const stats: [string, string][] = [
    ['type', f.type],
    ['test', TEST_NAMES[f.test]],
    [f.test === 'ks' ? 'statistic (D)' : 'statistic (χ²)', formatNumber(f.statistic)],
    ['p-value', formatP(f.pValue)],
    ['adjusted p-value', `${formatP(f.adjustedPValue)} (Benjamini–Hochberg)`],
    ['PSI', formatNumber(f.psi)],
    ['values compared', `${f.referenceCount.toLocaleString('en-US')} reference, ${f.currentCount.toLocaleString('en-US')} current`],
    ['distribution', distributionSummary(f.reference)],
  ];
  return (
    `<section class="feature ${f.drift ? 'drift' : 'ok'}" id="${anchor(i)}">` +
    `<h3>${kind === 'prediction' ? 'Prediction: ' : ''}${e(f.name)} ${badge(f.drift)}</h3>` +
    `<div class="body"><div class="chart-box">${chartOf(f)}</div>` +
    `<div class="stats"><dl>${stats.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}</dl>` +
    `<p class="reason"><strong>Decision: ${f.drift ? 'drift' : 'no drift'}</strong><br>${e(f.reason)}</p></div></div>` +
    '</section>'
  );
}

function summaryTable(features: readonly FeatureDrift[]): string {
  const head = ['feature', 'test', 'statistic', 'p-value', 'adjusted p', 'PSI', 'decision'];
  const rows = features.map(
    (f, i) =>
      `<tr class="${f.drift ? 'drift' : 'ok'}"><td><a href="#${anchor(i)}">${e(f.name)}</a></td><td>${e(f.test)}</td>` +
      `<td>${e(formatNumber(f.statistic))}</td><td>${e(formatP(f.pValue))}</td><td>${e(formatP(f.adjustedPValue))}</td>` +
      `<td>${e(formatNumber(f.psi))}</td><td>${badge(f.drift)}</td></tr>`,
  );
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export interface RenderOptions {
  /** The page title. @default "Drift report" (with the model's name when there is one) */
  readonly title?: string;
}

/** The whole page, as a string to write to a `.html` file. */
export function renderDriftReport(report: DriftReport, options: RenderOptions = {}): string {
  const features = orderFeatures(report.features);
  const drifted = features.filter((f) => f.drift);
  const title = options.title ?? (report.model ? `Drift report: ${report.model.name} ${report.model.version}` : 'Drift report');
  const s = report.settings;
  const meta: [string, string][] = [
    ...(report.model ? ([['model', `${report.model.name} ${report.model.version}`]] as [string, string][]) : []),
    ['reference', report.reference],
    ['current', report.current],
    ['rows (current)', report.rows.toLocaleString('en-US')],
    ['features', String(features.length)],
    [
      'settings',
      `significance α = ${s.alpha} after ${s.correction} correction; effect-size thresholds PSI ${s.psiThreshold}, KS D ${s.ksThreshold}`,
    ],
    ['created', report.createdAt],
  ];
  const banner = report.drift
    ? `Drift detected: ${drifted.length} of ${features.length} feature${features.length === 1 ? '' : 's'}` +
      `${drifted.length ? ` (${drifted.slice(0, 8).map((f) => e(f.name)).join(', ')}${drifted.length > 8 ? ', …' : ''})` : ''}` +
      `${report.prediction?.drift ? `; prediction drifted` : ''}`
    : `No drift: none of the ${features.length} feature${features.length === 1 ? '' : 's'} drifted`;
  const body = [
    `<h1>${e(title)}</h1>`,
    `<div class="banner ${report.drift ? 'drift' : 'ok'}">${banner}</div>`,
    `<dl class="meta">${meta.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}</dl>`,
    '<h2>Features</h2>',
    summaryTable(features),
    report.prediction ? `<h2>Prediction</h2>${featureSection(report.prediction, features.length, 'prediction')}` : '',
    `<h2>Distributions</h2><p class="note">Bars are proportions of each side's values per reference bin or category: ` +
      `<span style="color:${COLORS.reference}">■</span> reference, <span style="color:${COLORS.current}">■</span> current. ` +
      `Hover a bar for its count. Missing values are not drawn.</p>`,
    ...features.map((f, i) => featureSection(f, i)),
    `<p class="note">Drifted means significant after correcting for ${features.length} tests and an effect size over its threshold, so that ` +
      `a trivial shift in a large sample does not count as drift. ${e(formatPercent(s.alpha))} false-discovery rate.</p>`,
  ];
  return htmlPage(title, STYLE, body, e);
}
