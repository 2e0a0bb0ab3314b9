import { binSorted, quantileEdges } from '../drift/bins.ts';
import type { Distribution } from '../drift/drift-report.ts';
import { type Bar, barChartSvg, barsOf, COLORS, escapeHtml as e, formatNumber, formatPercent } from '../drift/svg-chart.ts';
import { BASE_STYLE, htmlPage } from '../reports/html-page.ts';
import type { ShadowPairReport, ShadowSummary } from './shadow-report.ts';

/**
 * A shadow comparison as one self-contained HTML page: per primary and candidate pair, a verdict
 * line, agreement, differences, failures and scoring times side by side, the two sides' label and
 * latency distributions as static SVG bars, the labels that moved, and the same hour by hour. No
 * script, no external resource, every text escaped: versions and labels come from the data.
 */

const STYLE = `${BASE_STYLE}
.banner.ok { background: #dafbe1; border: 1px solid #4ac26b; color: #116329; }
.banner.bad { background: #ffebe9; border: 1px solid #ff8182; color: #82071e; }
td[colspan] { text-align: center; }
section.pair { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 16px 18px; margin: 14px 0; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; margin-top: 10px; }
.legend { display: flex; gap: 14px; font-size: 12px; color: #57606a; margin: 0 0 4px 48px; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 5px; vertical-align: -1px; }
.legend .primary::before { background: ${COLORS.reference}; }
.legend .candidate::before { background: ${COLORS.current}; }
`;

const SIDES = { reference: 'primary', current: 'candidate' } as const;
const ms = (x: number) => (Number.isFinite(x) ? `${formatNumber(x)} ms` : 'n/a');
const share = (x: number | undefined) => (x === undefined ? 'n/a' : formatPercent(x));
const count = (n: number) => n.toLocaleString('en-US');

const sorted = (values: readonly number[]) => Float64Array.from(values).sort();

/** Scoring times of both sides, counted on the deciles of all of them together, drawn as the drift report draws a feature. */
function latencyBars({ primary, candidate }: ShadowPairReport['latencySamples']): Bar[] | undefined {
  const all = sorted([...primary, ...candidate]);
  if (all.length === 0) return undefined;
  const edges = quantileEdges(all);
  const on = (values: readonly number[]): Distribution => ({ kind: 'bins', edges, counts: binSorted(sorted(values), edges).counts });
  return barsOf(on(primary), on(candidate));
}

const labelBars = ({ primary, candidate }: NonNullable<ShadowPairReport['labels']>): Bar[] | undefined =>
  barsOf({ kind: 'categories', counts: primary }, { kind: 'categories', counts: candidate });

function chart(title: string, data: Bar[] | undefined, pair: ShadowPairReport): string {
  if (!data) return '';
  const legend = `<div class="legend"><span class="primary">primary ${e(pair.version)}</span><span class="candidate">candidate ${e(pair.candidate)}</span></div>`;
  return `<div><h3>${e(title)}</h3>${legend}${barChartSvg(data, `${title}: ${pair.model} ${pair.version} vs ${pair.candidate}`, SIDES)}</div>`;
}

function verdict(p: ShadowPairReport): { cls: string; text: string } {
  const agreement = p.comparison.agreement !== undefined ? `agreed on ${formatPercent(p.comparison.agreement)} of ${count(p.comparison.rows)} rows` : `differed by ${formatNumber(p.comparison.meanAbsDiff)} on average over ${count(p.comparison.rows)} rows`;
  const failures = p.errors ? `failed on ${count(p.errors)} of ${count(p.requests)} requests (${formatPercent(p.errorRate)})` : `never failed in ${count(p.requests)} requests`;
  return { cls: p.errors ? 'bad' : 'ok', text: `Candidate ${p.candidate} ${agreement} and ${failures}` };
}

function pairSection(p: ShadowPairReport): string[] {
  const v = verdict(p);
  const transitions = Object.entries(p.transitions).sort((a, b) => b[1] - a[1]);
  return [
    `<section class="pair"><h2>${e(p.model)}: primary ${e(p.version)}, shadow ${e(p.candidate)}</h2>`,
    `<div class="banner ${v.cls}">${e(v.text)}</div>`,
    '<table><thead><tr><th>measure</th><th>primary</th><th>candidate</th></tr></thead><tbody>',
    `<tr><td>requests answered</td><td>${count(p.requests)}</td><td>${count(p.requests - p.errors)}</td></tr>`,
    `<tr><td>label agreement</td><td colspan="2">${share(p.comparison.agreement)}</td></tr>`,
    `<tr><td>mean / largest |difference|</td><td colspan="2">${formatNumber(p.comparison.meanAbsDiff)} / ${formatNumber(p.comparison.maxAbsDiff)}</td></tr>`,
    ...(['mean', 'p50', 'p95', 'p99'] as const).map((q) => `<tr><td>scoring time ${q}</td><td>${ms(p.latencyMs.primary[q])}</td><td>${ms(p.latencyMs.candidate[q])}</td></tr>`),
    '</tbody></table>',
    ...(p.errorMessages.length ? ['<h3>Candidate failures</h3><ul>', ...p.errorMessages.map((m) => `<li>${e(m)}</li>`), '</ul>'] : []),
    `<div class="charts">${p.labels ? chart('Labels given', labelBars(p.labels), p) : ''}${chart('Scoring time per request (ms)', latencyBars(p.latencySamples), p)}</div>`,
    ...(transitions.length
      ? ['<h3>Labels that changed</h3><table><thead><tr><th>primary → candidate</th><th>rows</th></tr></thead><tbody>', ...transitions.map(([k, n]) => `<tr><td>${e(k.replace(' -> ', ' → '))}</td><td>${count(n)}</td></tr>`), '</tbody></table>']
      : []),
    '<h3>Hour by hour (UTC)</h3><table><thead><tr><th>hour</th><th>requests</th><th>candidate failures</th><th>agreement</th><th>mean |difference|</th></tr></thead><tbody>',
    ...p.hours.map((h) => `<tr><td>${e(h.hour.replace('T', ' '))}:00</td><td>${count(h.requests)}</td><td>${count(h.errors)}</td><td>${share(h.comparison.agreement)}</td><td>${formatNumber(h.comparison.meanAbsDiff)}</td></tr>`),
    '</tbody></table></section>',
  ];
}

export interface ShadowReportOptions {
  /** Where the records came from, shown in the header. */
  readonly input?: string;
  readonly createdAt?: string;
}

export function renderShadowReport(summary: ShadowSummary, options: ShadowReportOptions = {}): string {
  const meta = [
    ...(options.input ? [['records', options.input]] : []),
    ['pairs', String(summary.pairs.length)],
    ['records skipped', `${count(summary.skipped)} (not shadow records)`],
    ...(options.createdAt ? [['created', options.createdAt]] : []),
  ];
  return htmlPage('Shadow comparison', STYLE, [
    '<h1>Shadow comparison</h1>',
    `<dl class="meta">${meta.map(([k, v]) => `<dt>${e(k!)}</dt><dd>${e(v!)}</dd>`).join('')}</dl>`,
    ...summary.pairs.flatMap(pairSection),
    '<p class="note">Scoring time is validation and inference of one request, measured in the same process for both sides; the candidate runs after the response, so it never adds to the caller\'s latency.</p>',
  ], e);
}
