import { BASE_STYLE, formatP, htmlPage } from '../reports/html-page.ts';
import { escapeHtml as e, formatNumber } from '../drift/svg-chart.ts';
import type { Analysis, Comparison } from './analyze.ts';
import { AB_COLORS, evidenceChartSvg, intervalChartSvg } from './charts.ts';
import { type Decision, describeDecision, describePromotion, type Promotion } from './winner.ts';

/**
 * An A/B analysis as one self-contained HTML page: the verdict, the sample-ratio check, the variants
 * with their intervals (plotted), each comparison's fixed and sequential results, and the sequential
 * evidence over the rows drawn against the naive p-value. Static SVG, no script, no external resource
 * (its Content-Security-Policy forbids any), every text escaped: variant names come from the data.
 */

const STYLE = `${BASE_STYLE}
.banner.win { background: #dafbe1; border: 1px solid #4ac26b; color: #116329; }
.banner.wait { background: #fff8c5; border: 1px solid #d4a72c; color: #7d4e00; }
.banner.srm { background: #ffebe9; border: 1px solid #ff8182; color: #82071e; }
section.box { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 16px 18px; margin: 14px 0; }
.legend { display: flex; gap: 14px; font-size: 12px; color: #57606a; margin: 0 0 4px 56px; }
.legend span::before { content: ""; display: inline-block; width: 14px; height: 3px; margin-right: 5px; vertical-align: 3px; }
.legend .sequential::before { background: ${AB_COLORS.sequential}; }
.legend .naive::before { background: ${AB_COLORS.naive}; }
.legend .alpha::before { background: ${AB_COLORS.alpha}; }
`;

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(Math.abs(x) < 0.1 ? 2 : 1)}%` : 'n/a');
const interval = (ci: readonly [number, number], f: (x: number) => string) => (Number.isFinite(ci[0]) && Number.isFinite(ci[1]) ? `[${f(ci[0])}, ${f(ci[1])}]` : 'n/a');

export interface AbReportOptions {
  /** @default "A/B test" */
  readonly title?: string;
  /** Where the rows came from, shown in the header. */
  readonly input?: string;
  readonly createdAt?: string;
  /** The sequential decision (`decide`), and what promoting its winner did, shown in the header. */
  readonly decision?: Decision;
  readonly promotion?: Promotion;
}

function verdict(a: Analysis): { cls: string; text: string } {
  if (a.srm.mismatch) {
    return { cls: 'srm', text: `Sample ratio mismatch (p = ${formatP(a.srm.pValue)}): the split does not match the weights; fix the assignment before trusting any result` };
  }
  const winners = a.comparisons.filter((c) => c.sequential.conclusive);
  if (winners.length) {
    return {
      cls: 'win',
      text: winners.map((c) => `${e(c.treatment)} ${c.difference > 0 ? 'beats' : 'loses to'} ${e(c.control)} (always-valid p = ${formatP(c.sequential.pValue)})`).join('; '),
    };
  }
  return {
    cls: 'wait',
    text: `No conclusive difference yet (always-valid p = ${formatP(a.sequential.pValue)}${a.significant ? `; the fixed-horizon test's p = ${formatP(a.pValue)} is only valid at a sample size planned in advance` : ''})`,
  };
}

function comparisonSection(c: Comparison, a: Analysis): string {
  const f = a.metric === 'conversion' ? pct : formatNumber;
  const stats: [string, string][] = [
    ['test', `${c.test}${c.df !== undefined ? ` (ν = ${formatNumber(c.df)})` : ''}`],
    ['statistic', formatNumber(c.statistic)],
    ['difference', `${f(c.difference)} ${interval(c.ci, f)}`],
    ['relative lift', `${pct(c.lift)} ${interval(c.liftCi, pct)} (delta method)`],
    [`p-value${a.correction === 'holm' ? ' (Holm)' : ''}`, `${formatP(c.pValue)}${c.significant ? ' — significant' : ''}`],
    [`always-valid p-value${a.correction === 'holm' ? ' (Holm)' : ''}`, `${formatP(c.sequential.pValue)}${c.sequential.conclusive ? ' — conclusive' : ''}`],
    ['always-valid interval of the difference', interval(c.sequential.ci, f)],
    ['mSPRT tuning', `most sensitive near ${c.sequential.tuning.toLocaleString('en-US')} rows per arm (ρ = ${formatNumber(c.sequential.mixingSd)})`],
  ];
  return (
    `<section class="box"><h3>${e(c.treatment)} vs ${e(c.control)}</h3>` +
    `<dl class="meta">${stats.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}</dl>` +
    `<h4>Evidence over time</h4>` +
    `<div class="legend"><span class="sequential">always-valid p-value (mSPRT)</span><span class="naive">naive p-value, if stopped there</span><span class="alpha">α = ${e(String(a.alpha))}</span></div>` +
    evidenceChartSvg(c.sequential.evidence, a.alpha, `${c.treatment} vs ${c.control}: p-values as rows came in`) +
    `<p class="note">The naive p-value may cross α by chance when looked at repeatedly; the always-valid one may be read after every row, ` +
    `and stopping when it falls below α keeps false positives at α.</p></section>`
  );
}

/** The whole page, as a string to write to a `.html` file. */
export function renderAbReport(a: Analysis, options: AbReportOptions = {}): string {
  const title = options.title ?? 'A/B test';
  const f = a.metric === 'conversion' ? pct : formatNumber;
  const v = verdict(a);
  const meta: [string, string][] = [
    ...(options.input ? ([['input', options.input]] as [string, string][]) : []),
    ['metric', a.metric === 'conversion' ? 'conversion rate (0/1 values)' : 'mean'],
    ['rows', `${a.rows.toLocaleString('en-US')}${a.dropped ? ` (${a.dropped.toLocaleString('en-US')} without a variant or a value left out)` : ''}`],
    ['control', a.variants[0]!.name],
    ['significance', `α = ${a.alpha}, two-sided${a.correction === 'holm' ? `; Holm across ${a.comparisons.length} comparisons` : ''}`],
    ['sample ratio', `χ² = ${formatNumber(a.srm.statistic)} on ${a.srm.df} df, p = ${formatP(a.srm.pValue)} against weights ${a.srm.weights.map((w) => pct(w)).join(' / ')}${a.srm.mismatch ? ' — MISMATCH' : ' — ok'}`],
    ...(options.decision ? ([['decision', describeDecision(options.decision)]] as [string, string][]) : []),
    ...(options.promotion ? ([['promotion', describePromotion(options.promotion)]] as [string, string][]) : []),
    ...(options.createdAt ? ([['created', options.createdAt]] as [string, string][]) : []),
  ];
  const variantRows = a.variants.map(
    (x, i) =>
      `<tr><td>${e(x.name)}${i === 0 ? ' (control)' : ''}</td><td>${x.n.toLocaleString('en-US')}</td><td>${e(Number(a.srm.expected[i]!.toFixed(1)).toLocaleString('en-US'))}</td>` +
      `<td>${e(f(x.mean))}</td><td>${e(interval(x.ci, f))}</td><td>${e(formatNumber(x.sd))}</td></tr>`,
  );
  const body = [
    `<h1>${e(title)}</h1>`,
    `<div class="banner ${v.cls}">${v.text}</div>`,
    `<dl class="meta">${meta.map(([k, val]) => `<dt>${e(k)}</dt><dd>${e(val)}</dd>`).join('')}</dl>`,
    '<h2>Variants</h2>',
    `<table><thead><tr><th>variant</th><th>rows</th><th>expected rows</th><th>${a.metric === 'conversion' ? 'rate' : 'mean'}</th><th>${(1 - a.alpha) * 100}% interval</th><th>SD</th></tr></thead><tbody>${variantRows.join('')}</tbody></table>`,
    `<section class="box">${intervalChartSvg(
      a.variants.map((x, i) => ({ name: x.name, mean: x.mean, ci: x.ci, n: x.n, control: i === 0 })),
      `${a.metric === 'conversion' ? 'Conversion rates' : 'Means'} with ${(1 - a.alpha) * 100}% intervals`,
      f,
    )}<p class="note">Dots are the variants' ${a.metric === 'conversion' ? 'rates' : 'means'}, bars their ${(1 - a.alpha) * 100}% intervals; the dashed line is the control's.</p></section>`,
    '<h2>Comparisons</h2>',
    ...a.comparisons.map((c) => comparisonSection(c, a)),
  ];
  return htmlPage(title, STYLE, body, e);
}
