import { binSorted, clampedCounts, quantileEdges } from '../functions/core/drift/bins.ts';
import { driftAgainstBaseline, driftBetween } from '../functions/core/drift/detect.ts';
import type { ModelPackage } from '../functions/core/model-package.ts';
import { Random } from '../models/build/random.ts';
import { int, mark, ms, type Section } from './stats.ts';

const TARGET = 20e6;
const FEATURES = 30;

/** Seeded standard-normal columns x0..x29, the current ones with a 0.25-SD shift in x7 (so a report has some work in it). */
function columns(random: Random, rows: number, shift: number): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (let f = 0; f < FEATURES; f++) {
    const column = new Float64Array(rows);
    const s = f === 7 ? shift : 0;
    for (let i = 0; i < rows; i++) column[i] = random.normal() + s;
    out.set(`x${f}`, column);
  }
  return out;
}

/** A model package whose baseline is the reference rows' quantile bins, as models/build/baseline.ts makes them. */
function packageOf(reference: ReadonlyMap<string, Float64Array>): Pick<ModelPackage, 'name' | 'version' | 'features' | 'baseline'> {
  const features: ModelPackage['features'] = [];
  const baseline: ModelPackage['baseline']['features'] = {};
  for (const [name, column] of reference) {
    const sorted = Float64Array.from(column).sort();
    const edges = quantileEdges(sorted);
    features.push({ name, type: 'numeric', allowMissing: false });
    baseline[name] = { type: 'numeric', count: sorted.length, mean: 0, std: 1, min: sorted[0]!, max: sorted.at(-1)!, bins: { edges, counts: clampedCounts(binSorted(sorted, edges)) } };
  }
  return { name: 'bench', version: '1.0.0', features, baseline: { rows: rowsOf(reference), features: baseline } };
}
const rowsOf = (m: ReadonlyMap<string, Float64Array>) => m.values().next().value!.length;

/** Best of `attempts` runs: wall time and main-thread CPU time (the detection is single-threaded JavaScript). */
function time(attempts: number, run: () => unknown): { seconds: number; cpuSeconds: number } {
  let best = { seconds: Infinity, cpuSeconds: Infinity };
  for (let a = 0; a < attempts; a++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    run();
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    if (seconds < best.seconds) best = { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  }
  return best;
}

/**
 * Drift statistics throughput: `rows` × 30 numeric features (seeded Float64Arrays), in feature-values
 * of the current batch per second on one core. Against a baseline (the drift job's path: copy, bin,
 * KS at the edges, PSI) and against reference rows of the same size (copy and radix-sort both samples,
 * exact KS merge, quantile bins, PSI). Both are single-threaded, so wall time is one core's time.
 */
export async function driftThroughput(rows: number, attempts: number): Promise<Section> {
  const random = new Random(20250105);
  const reference = columns(random, rows, 0);
  const current = columns(random, rows, 0.25);
  const pkg = packageOf(reference);
  const values = rows * FEATURES;
  const specs = [...reference.keys()].map((name) => ({ name, type: 'numeric' as const }));
  let flagged: string[] = [];
  const baseline = time(attempts, () => (flagged = driftAgainstBaseline(pkg, current).features.filter((f) => f.drift).map((f) => f.name)));
  const flaggedBaseline = flagged;
  const between = time(attempts, () => (flagged = driftBetween(reference, current, specs).features.filter((f) => f.drift).map((f) => f.name)));
  const rate = (t: { seconds: number }) => values / t.seconds;
  const line = (what: string, t: { seconds: number; cpuSeconds: number }, found: string[]) =>
    `${what}: ${ms(t.seconds * 1000)} (CPU ${ms(t.cpuSeconds * 1000)}), ${int(rate(t))} feature-values/s vs ≥ ${int(TARGET)} ${mark(rate(t) >= TARGET)}; drifted: ${found.join(', ') || 'none'}`;
  return {
    title: `Drift statistics, ${int(rows)} rows × ${FEATURES} numeric features (x7 shifted 0.25 SD), best of ${attempts}, one core`,
    lines: [
      line('against the baseline (drift job)', baseline, flaggedBaseline),
      line('between two samples (reference rows of the same size)', between, flagged),
      `  two-sample path reads ${int(2 * values)} values in all: ${int((2 * values) / between.seconds)} values/s`,
    ],
    checks: [
      { what: 'drift vs baseline, 1 core', measured: `${int(rate(baseline) / 1e6)}M values/s`, target: `≥ ${TARGET / 1e6}M/s`, pass: rate(baseline) >= TARGET },
      { what: 'drift between samples, 1 core', measured: `${int(rate(between) / 1e6)}M values/s`, target: `≥ ${TARGET / 1e6}M/s`, pass: rate(between) >= TARGET },
    ],
    figures: {
      rows,
      features: FEATURES,
      attempts,
      againstBaseline: { ...baseline, valuesPerSecond: rate(baseline), drifted: flaggedBaseline },
      between: { ...between, valuesPerSecond: rate(between), drifted: flagged },
    },
  };
}

// `tsx bench/drift-throughput.ts [rows]` runs this section alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const section = await driftThroughput(Number(process.argv[2] ?? 1_000_000), 3);
  console.log(`${section.title}\n${section.lines.map((l) => `  ${l}`).join('\n')}`);
}
