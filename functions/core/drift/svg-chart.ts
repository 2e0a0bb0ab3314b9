import type { Distribution } from './drift-report.ts';

/**
 * Static SVG bar charts of a reference and a current distribution, side by side per bin or
 * category, as proportions: drawn here as text, so a report is one file that needs no script, no
 * library and no network to show its plots.
 */

/** Escapes text for HTML and SVG, in content and in attribute values. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A number for people: 3 significant digits, exponent only when very large or small. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
}

export const formatPercent = (p: number): string => `${(p * 100).toFixed(p < 0.01 && p > 0 ? 2 : 1)}%`;

export interface Bar {
  readonly label: string;
  readonly reference: number;
  readonly current: number;
  readonly referenceCount: number;
  readonly currentCount: number;
}

const total = (counts: readonly number[]) => counts.reduce((a, b) => a + b, 0);

/** Bin labels from edges: counts.length = edges.length - 1 (bins between edges), or + 1 more on each side (values below and above). */
function binLabels(edges: readonly number[], bins: number): string[] {
  const f = formatNumber;
  if (bins === edges.length + 1) {
    return Array.from({ length: bins }, (_, i) => (i === 0 ? `< ${f(edges[0]!)}` : i === bins - 1 ? `≥ ${f(edges.at(-1)!)}` : `${f(edges[i - 1]!)}–${f(edges[i]!)}`));
  }
  return Array.from({ length: bins }, (_, i) => (edges[i + 1] === undefined ? `bin ${i + 1}` : `${f(edges[i]!)}–${f(edges[i + 1]!)}`));
}

/** Categories shown one by one before the rest is summed as "other". */
const MAX_CATEGORIES = 24;

/**
 * The bars of two distributions: the reference's bins (the current distribution counted on the same
 * bins), or the union of both sides' categories, most frequent in the reference first, the tail
 * beyond MAX_CATEGORIES summed as "(other)". Undefined when the two are not drawn on the same axis
 * (numeric bins with different edges, or a numeric side against a categorical one).
 */
export function barsOf(reference: Distribution, current: Distribution): Bar[] | undefined {
  if (reference.kind === 'bins' && current.kind === 'bins') {
    const sameEdges = reference.edges.length === current.edges.length && reference.edges.every((e, i) => e === current.edges[i]);
    if (!sameEdges || reference.counts.length !== current.counts.length) return undefined;
    const rt = total(reference.counts) || 1;
    const ct = total(current.counts) || 1;
    const labels = binLabels(reference.edges, reference.counts.length);
    return reference.counts.map((r, i) => ({
      label: labels[i]!,
      reference: r / rt,
      current: current.counts[i]! / ct,
      referenceCount: r,
      currentCount: current.counts[i]!,
    }));
  }
  if (reference.kind === 'categories' && current.kind === 'categories') {
    const rt = total(Object.values(reference.counts)) || 1;
    const ct = total(Object.values(current.counts)) || 1;
    const names = [...new Set([...Object.keys(reference.counts), ...Object.keys(current.counts)])].sort(
      (a, b) => (reference.counts[b] ?? 0) - (reference.counts[a] ?? 0) || (current.counts[b] ?? 0) - (current.counts[a] ?? 0) || (a < b ? -1 : 1),
    );
    const bar = (label: string, r: number, c: number): Bar => ({ label, reference: r / rt, current: c / ct, referenceCount: r, currentCount: c });
    const shown = names.length > MAX_CATEGORIES ? names.slice(0, MAX_CATEGORIES - 1) : names;
    const bars = shown.map((n) => bar(n, reference.counts[n] ?? 0, current.counts[n] ?? 0));
    if (shown.length < names.length) {
      const rest = names.slice(shown.length);
      bars.push(bar(`(${rest.length} others)`, total(rest.map((n) => reference.counts[n] ?? 0)), total(rest.map((n) => current.counts[n] ?? 0))));
    }
    return bars;
  }
  return undefined;
}

/** A round upper bound for the y axis and its tick step. */
function niceScale(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const raw = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step - 1e-9) * step, step };
}

const shorten = (label: string, max: number) => (label.length > max ? `${label.slice(0, max - 1)}…` : label);

export const COLORS = { reference: '#5b7fa6', current: '#e8833a' } as const;

/**
 * Grouped bars, reference and current side by side per bin or category, heights as proportions of
 * each side's count; every bar carries a tooltip with its side's name (`sides`) and count. `title`
 * labels the chart for screen readers.
 */
export function barChartSvg(bars: readonly Bar[], title: string, sides: { readonly reference: string; readonly current: string } = { reference: 'reference', current: 'current' }): string {
  const width = 640;
  const left = 48;
  const right = 12;
  const top = 14;
  const rotate = bars.length > 8 || bars.some((b) => b.label.length > 12);
  const labelRoom = rotate ? Math.min(96, 12 + 6 * Math.max(...bars.map((b) => Math.min(b.label.length, 18)))) : 22;
  const plotHeight = 180;
  const height = top + plotHeight + labelRoom + 4;
  const plotWidth = width - left - right;
  const { top: yMax, step } = niceScale(Math.max(0, ...bars.flatMap((b) => [b.reference, b.current])));
  const y = (p: number) => top + plotHeight - (p / yMax) * plotHeight;
  const slot = plotWidth / Math.max(1, bars.length);
  const barWidth = Math.max(1, Math.min(28, (slot * 0.8) / 2));
  const fixed = (n: number) => n.toFixed(1);

  const parts: string[] = [];
  parts.push(`<svg class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="11">`);
  parts.push(`<title>${escapeHtml(title)}</title>`);
  for (let t = 0; t <= yMax + 1e-12; t += step) {
    const ty = fixed(y(t));
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${ty}" y2="${ty}" stroke="#e3e6ea"/>`);
    parts.push(`<text x="${left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle" fill="#555">${escapeHtml(formatPercent(t).replace('.0%', '%'))}</text>`);
  }
  bars.forEach((b, i) => {
    const cx = left + slot * (i + 0.5);
    for (const [side, value, count, dx] of [
      ['reference', b.reference, b.referenceCount, -barWidth],
      ['current', b.current, b.currentCount, 0],
    ] as const) {
      const by = y(value);
      parts.push(
        `<rect class="${side}" x="${fixed(cx + dx)}" y="${fixed(by)}" width="${fixed(barWidth)}" height="${fixed(top + plotHeight - by)}" fill="${COLORS[side]}">` +
          `<title>${escapeHtml(`${b.label} — ${sides[side]}: ${formatPercent(value)} (${count})`)}</title></rect>`,
      );
    }
    const ly = top + plotHeight + 12;
    const label = escapeHtml(shorten(b.label, rotate ? 18 : 14));
    parts.push(
      rotate
        ? `<text x="${fixed(cx)}" y="${ly}" text-anchor="end" transform="rotate(-40 ${fixed(cx)} ${ly})" fill="#333">${label}</text>`
        : `<text x="${fixed(cx)}" y="${ly}" text-anchor="middle" fill="#333">${label}</text>`,
    );
  });
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#888"/>`);
  parts.push('</svg>');
  return parts.join('');
}
