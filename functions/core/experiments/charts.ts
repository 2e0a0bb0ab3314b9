import { escapeHtml, formatNumber } from '../drift/svg-chart.ts';

/**
 * Static SVG charts of an A/B analysis, written as text like the drift report's bars, so the page
 * needs no script, library or network: the variants' means with their intervals, and the evidence
 * (p-values) as the rows came in.
 */

export const AB_COLORS = { control: '#5b7fa6', treatment: '#e8833a', sequential: '#1a7f37', naive: '#cf222e', alpha: '#8c959f' } as const;

const fixed = (n: number) => n.toFixed(1);

/** Round ticks covering [lo, hi]: about `count` of them at a 1-2-2.5-5 step. */
function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + 1e-9 * step; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

export interface IntervalRow {
  readonly name: string;
  readonly mean: number;
  readonly ci: readonly [number, number];
  readonly n: number;
  readonly control: boolean;
}

/** One row per variant: a dot at the mean, a bar across its confidence interval, the control's mean as a dashed reference line. */
export function intervalChartSvg(rows: readonly IntervalRow[], title: string, format: (x: number) => string = formatNumber): string {
  const width = 640;
  const left = 150;
  const right = 24;
  const rowHeight = 30;
  const top = 10;
  const height = top + rowHeight * rows.length + 30;
  const finite = rows.flatMap((r) => [r.ci[0], r.ci[1], r.mean]).filter(Number.isFinite);
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (!(hi > lo)) {
    lo -= Math.abs(lo) * 0.1 + 1e-9;
    hi += Math.abs(hi) * 0.1 + 1e-9;
  }
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const x = (v: number) => left + ((v - lo) / (hi - lo)) * (width - left - right);
  const axisY = top + rowHeight * rows.length + 4;
  const parts = [
    `<svg class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<title>${escapeHtml(title)}</title>`,
  ];
  for (const t of ticks(lo, hi)) {
    parts.push(`<line x1="${fixed(x(t))}" x2="${fixed(x(t))}" y1="${top}" y2="${axisY}" stroke="#e3e6ea"/>`);
    parts.push(`<text x="${fixed(x(t))}" y="${axisY + 14}" text-anchor="middle" fill="#555">${escapeHtml(format(t))}</text>`);
  }
  const control = rows.find((r) => r.control);
  if (control) parts.push(`<line x1="${fixed(x(control.mean))}" x2="${fixed(x(control.mean))}" y1="${top}" y2="${axisY}" stroke="${AB_COLORS.control}" stroke-dasharray="4 3"/>`);
  rows.forEach((r, i) => {
    const cy = top + rowHeight * (i + 0.5);
    const color = r.control ? AB_COLORS.control : AB_COLORS.treatment;
    const name = r.name.length > 22 ? `${r.name.slice(0, 21)}…` : r.name;
    parts.push(`<text x="${left - 10}" y="${fixed(cy)}" text-anchor="end" dominant-baseline="middle" fill="#333">${escapeHtml(name)}</text>`);
    parts.push(
      `<g><title>${escapeHtml(`${r.name}: ${format(r.mean)} [${format(r.ci[0])}, ${format(r.ci[1])}], n = ${r.n.toLocaleString('en-US')}`)}</title>` +
        `<line x1="${fixed(x(r.ci[0]))}" x2="${fixed(x(r.ci[1]))}" y1="${fixed(cy)}" y2="${fixed(cy)}" stroke="${color}" stroke-width="3"/>` +
        `<circle cx="${fixed(x(r.mean))}" cy="${fixed(cy)}" r="5" fill="${color}"/></g>`,
    );
  });
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${axisY}" y2="${axisY}" stroke="#888"/>`);
  parts.push('</svg>');
  return parts.join('');
}

export interface EvidenceSeries {
  readonly n: number;
  readonly pValue: number;
  readonly naivePValue: number;
}

/** Smallest p-value drawn: below it the lines sit on the chart's floor. */
const FLOOR = 1e-12;

/**
 * p-values against rows seen, on a log scale: the always-valid p-value (never rises) and the naive
 * fixed-horizon p-value (wanders, and may dip under α by chance), with α as a dashed line.
 */
export function evidenceChartSvg(points: readonly EvidenceSeries[], alpha: number, title: string): string {
  const width = 640;
  const left = 56;
  const right = 32;
  const top = 12;
  const plotHeight = 220;
  const height = top + plotHeight + 40;
  const smallest = Math.min(alpha, ...points.flatMap((p) => [p.pValue, p.naivePValue]).filter((p) => p > 0));
  const decades = Math.max(2, Math.min(-Math.log10(FLOOR), Math.ceil(-Math.log10(Math.max(FLOOR, smallest)))));
  const nMax = Math.max(1, ...points.map((p) => p.n));
  const x = (n: number) => left + (n / nMax) * (width - left - right);
  const y = (p: number) => top + (Math.min(decades, -Math.log10(Math.max(p, FLOOR))) / decades) * plotHeight;
  const parts = [
    `<svg class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<title>${escapeHtml(title)}</title>`,
  ];
  const step = Math.max(1, Math.ceil(decades / 6));
  for (let d = 0; d <= decades; d += step) {
    const ty = fixed(y(10 ** -d));
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${ty}" y2="${ty}" stroke="#e3e6ea"/>`);
    parts.push(`<text x="${left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle" fill="#555">${d === 0 ? '1' : `1e-${d}`}</text>`);
  }
  for (const t of ticks(0, nMax)) {
    parts.push(`<text x="${fixed(x(t))}" y="${top + plotHeight + 16}" text-anchor="middle" fill="#555">${escapeHtml(t.toLocaleString('en-US'))}</text>`);
  }
  parts.push(`<text x="${fixed(left + (width - left - right) / 2)}" y="${top + plotHeight + 34}" text-anchor="middle" fill="#555">rows seen</text>`);
  parts.push(
    `<line x1="${left}" x2="${width - right}" y1="${fixed(y(alpha))}" y2="${fixed(y(alpha))}" stroke="${AB_COLORS.alpha}" stroke-dasharray="5 4"><title>α = ${alpha}</title></line>`,
  );
  const line = (key: 'pValue' | 'naivePValue', color: string, label: string) => {
    const path = points.map((p) => `${fixed(x(p.n))},${fixed(y(p[key]))}`).join(' ');
    return points.length ? `<polyline class="${key}" fill="none" stroke="${color}" stroke-width="2" points="${path}"><title>${escapeHtml(label)}</title></polyline>` : '';
  };
  parts.push(line('naivePValue', AB_COLORS.naive, 'naive fixed-horizon p-value (not valid when peeked at)'));
  parts.push(line('pValue', AB_COLORS.sequential, 'always-valid p-value (mSPRT)'));
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#888"/>`);
  parts.push('</svg>');
  return parts.join('');
}
