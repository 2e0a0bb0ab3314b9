import { holm } from './holm.ts';
import { relativeLift } from './lift.ts';
import { type Metric, type Moments, MomentsAccumulator, sampleVariance, varianceOfMean } from './moments.ts';
import { type SequentialOptions, SequentialTest, type SequentialState } from './msprt.ts';
import { normalQuantile } from './normal.ts';
import { twoProportionZTest } from './proportions.ts';
import { type SampleRatioMismatch, sampleRatioMismatch } from './srm.ts';
import { studentTQuantile } from './student-t.ts';
import { welchTTest } from './welch.ts';

/**
 * An A/B test's analysis from its rows (variant, value): per-variant summaries, the fixed-horizon
 * test of each treatment against the control (two-proportion z-test for conversions, Welch's t-test
 * for means) with intervals of the difference and of the relative lift, the sequential mSPRT with its
 * evidence over the rows in order, and the sample-ratio-mismatch check.
 *
 * More than two variants: each treatment is compared with the control, and the p-values (fixed and
 * sequential) are Holm-adjusted across the comparisons; intervals are per comparison (not adjusted).
 * The top-level fields then describe the comparison with the smallest adjusted p-value.
 */

export interface Row {
  readonly variant: string;
  readonly value: number;
}

export interface AnalyzeOptions extends SequentialOptions {
  /** @default "conversion" when every value is 0 or 1, else "mean" */
  readonly metric?: Metric;
  /** @default the first variant in the rows */
  readonly control?: string;
  /** Expected traffic shares: by name, or in the order of `variants` in the result (control first). @default equal */
  readonly weights?: readonly number[] | Readonly<Record<string, number>>;
  /** @default 0.05 */
  readonly alpha?: number;
  /** Points kept of the evidence over time (the test itself runs at every row). @default 200 */
  readonly evidencePoints?: number;
}

export interface VariantSummary {
  readonly name: string;
  readonly n: number;
  readonly mean: number;
  readonly sd: number;
  /** (1 − α) interval of the mean: Wald for a rate, t for a mean. */
  readonly ci: readonly [number, number];
}

export interface EvidencePoint {
  /** Rows of the two variants seen so far. */
  readonly n: number;
  /** Always-valid p-value at that point. */
  readonly pValue: number;
  /** The fixed-horizon p-value had the test stopped there (invalid under peeking; for contrast). */
  readonly naivePValue: number;
  readonly ci: readonly [number, number];
}

export interface SequentialResult {
  readonly method: 'mSPRT';
  /** Always-valid p-value (Holm-adjusted with more than two variants). */
  readonly pValue: number;
  /** Always-valid confidence interval of the difference. */
  readonly ci: readonly [number, number];
  /** The always-valid p-value is below α: the experiment may stop now. */
  readonly conclusive: boolean;
  /** Rows per arm the mixing distribution was tuned for. */
  readonly tuning: number;
  /** ρ, the mixing distribution's standard deviation in units of one value's standard deviation. */
  readonly mixingSd: number;
  readonly evidence: EvidencePoint[];
}

export interface Comparison {
  readonly control: string;
  readonly treatment: string;
  readonly test: 'two-proportion z-test' | "Welch's t-test";
  /** z, or Welch's t. */
  readonly statistic: number;
  /** Welch–Satterthwaite degrees of freedom (t-test only). */
  readonly df?: number;
  /** Treatment mean minus control mean. */
  readonly difference: number;
  /** Two-sided p-value, Holm-adjusted with more than two variants. */
  readonly pValue: number;
  /** Interval of the difference. */
  readonly ci: readonly [number, number];
  /** Relative lift, treatment/control − 1 (null in JSON when the control mean is 0). */
  readonly lift: number;
  /** Delta-method interval of the lift. */
  readonly liftCi: readonly [number, number];
  readonly significant: boolean;
  readonly sequential: SequentialResult;
}

export interface Analysis extends Comparison {
  readonly metric: Metric;
  readonly alpha: number;
  readonly variants: VariantSummary[];
  readonly srm: SampleRatioMismatch;
  readonly comparisons: Comparison[];
  readonly correction: 'none' | 'holm';
  /** Rows left out: no variant, or no numeric value. */
  readonly dropped: number;
  readonly rows: number;
}

/** Analysis of rows given as objects. */
export function analyze(rows: Iterable<Row>, options: AnalyzeOptions = {}): Analysis {
  const variants: (string | null)[] = [];
  const values: number[] = [];
  for (const r of rows) {
    variants.push(r.variant ?? null);
    values.push(r.value);
  }
  return analyzeColumns(variants, values, options);
}

/**
 * Analysis of two parallel columns (as the input readers give them), in row order: the order is the
 * time axis of the sequential evidence. A null variant or a NaN value drops the row.
 */
export function analyzeColumns(variantColumn: ArrayLike<string | null>, valueColumn: ArrayLike<number>, options: AnalyzeOptions = {}): Analysis {
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new Error('alpha must be between 0 and 1');
  if (variantColumn.length !== valueColumn.length) throw new Error('the variant and value columns differ in length');

  // Variants in order of first appearance; rows as variant indices.
  const index = new Map<string, number>();
  const names: string[] = [];
  const arm = new Int32Array(variantColumn.length).fill(-1);
  let dropped = 0;
  let binary = true;
  for (let i = 0; i < variantColumn.length; i++) {
    const v = variantColumn[i];
    const x = valueColumn[i]!;
    if (v === null || v === undefined || v === '' || !Number.isFinite(x)) {
      dropped++;
      continue;
    }
    let k = index.get(v);
    if (k === undefined) {
      index.set(v, (k = names.length));
      names.push(v);
    }
    arm[i] = k;
    if (x !== 0 && x !== 1) binary = false;
  }
  if (names.length < 2) {
    throw new Error(names.length === 0 ? 'no rows with a variant and a numeric value' : `only one variant ("${names[0]}"): an A/B test needs at least two`);
  }
  const metric = options.metric ?? (binary ? 'conversion' : 'mean');
  if (metric === 'conversion' && !binary) {
    for (let i = 0; i < valueColumn.length; i++) {
      const x = valueColumn[i]!;
      if (arm[i]! >= 0 && x !== 0 && x !== 1) throw new Error(`conversion values must be 0 or 1; row ${i + 1} has ${x} (use --metric mean for other numbers)`);
    }
  }
  const controlName = options.control ?? names[0]!;
  const controlIndex = index.get(controlName);
  if (controlIndex === undefined) throw new Error(`no variant "${controlName}" (the variants are ${names.map((n) => `"${n}"`).join(', ')})`);
  // Reported order: control first, then the treatments in order of appearance.
  const order = [controlIndex, ...names.map((_, i) => i).filter((i) => i !== controlIndex)];

  const moments = names.map(() => new MomentsAccumulator());
  for (let i = 0; i < arm.length; i++) if (arm[i]! >= 0) moments[arm[i]!]!.add(valueColumn[i]!);
  const minimum = metric === 'mean' ? 2 : 1;
  for (const k of order) {
    if (moments[k]!.n < minimum) throw new Error(`variant "${names[k]}" has ${moments[k]!.n} rows: ${metric === 'mean' ? "Welch's t-test needs at least 2" : 'at least 1 is needed'}`);
  }

  const variants = order.map((k) => summarize(names[k]!, moments[k]!, metric, alpha));
  const srm = sampleRatioMismatch(
    order.map((k) => moments[k]!.n),
    weightsInOrder(options.weights, order.map((k) => names[k]!)),
  );

  const treatments = order.slice(1);
  const raw = treatments.map((k) => compare(controlIndex, k, names, moments, arm, valueColumn, metric, alpha, options));
  const correction = treatments.length > 1 ? 'holm' : 'none';
  const fixed = correction === 'holm' ? holm(raw.map((c) => c.pValue)) : raw.map((c) => c.pValue);
  const sequential = correction === 'holm' ? holm(raw.map((c) => c.sequential.pValue)) : raw.map((c) => c.sequential.pValue);
  const comparisons: Comparison[] = raw.map((c, i) => ({
    ...c,
    pValue: fixed[i]!,
    significant: fixed[i]! < alpha,
    sequential: { ...c.sequential, pValue: sequential[i]!, conclusive: sequential[i]! < alpha },
  }));
  const headline = comparisons.reduce((best, c) => (c.pValue < best.pValue ? c : best), comparisons[0]!);
  return { metric, alpha, variants, ...headline, srm, comparisons, correction, dropped, rows: variantColumn.length - dropped };
}

function summarize(name: string, m: Moments, metric: Metric, alpha: number): VariantSummary {
  const sd = metric === 'conversion' ? Math.sqrt(m.mean * (1 - m.mean)) : Math.sqrt(sampleVariance(m));
  const se = Math.sqrt(varianceOfMean(m, metric));
  const q = metric === 'conversion' || m.n < 2 ? normalQuantile(1 - alpha / 2) : studentTQuantile(1 - alpha / 2, m.n - 1);
  return { name, n: m.n, mean: m.mean, sd, ci: [m.mean - q * se, m.mean + q * se] };
}

function weightsInOrder(weights: AnalyzeOptions['weights'], names: readonly string[]): number[] | undefined {
  if (weights === undefined) return undefined;
  if (Array.isArray(weights)) {
    if (weights.length !== names.length) throw new Error(`${weights.length} weights for ${names.length} variants (${names.join(', ')}, control first)`);
    return [...weights];
  }
  const byName = weights as Readonly<Record<string, number>>;
  const unknown = Object.keys(byName).filter((k) => !names.includes(k));
  if (unknown.length) throw new Error(`weights name unknown variants: ${unknown.join(', ')} (the variants are ${names.join(', ')})`);
  const missing = names.filter((n) => byName[n] === undefined);
  if (missing.length) throw new Error(`no weight for ${missing.join(', ')}`);
  return names.map((n) => byName[n]!);
}

/** One treatment against the control: the fixed test on all rows, the sequential test row by row. */
function compare(
  c: number,
  t: number,
  names: readonly string[],
  moments: readonly Moments[],
  arm: Int32Array,
  values: ArrayLike<number>,
  metric: Metric,
  alpha: number,
  options: AnalyzeOptions,
): Comparison {
  const mc = moments[c]!;
  const mt = moments[t]!;
  const fixed =
    metric === 'conversion'
      ? (() => {
          const r = twoProportionZTest({ n: mc.n, successes: Math.round(mc.mean * mc.n) }, { n: mt.n, successes: Math.round(mt.mean * mt.n) }, alpha);
          return { test: 'two-proportion z-test' as const, statistic: r.z, difference: r.difference, pValue: r.pValue, ci: r.ci };
        })()
      : (() => {
          const r = welchTTest(mc, mt, alpha);
          return { test: "Welch's t-test" as const, statistic: r.t, df: r.df, difference: r.difference, pValue: r.pValue, ci: r.ci };
        })();
  const lift = relativeLift(mc.mean, mt.mean, varianceOfMean(mc, metric), varianceOfMean(mt, metric), alpha);

  const sequential = new SequentialTest(metric, { alpha, tuning: options.tuning, minimumPerArm: options.minimumPerArm });
  const total = mc.n + mt.n;
  const points = Math.max(2, options.evidencePoints ?? 200);
  const evidence: EvidencePoint[] = [];
  let next = 1;
  const target = (j: number) => Math.ceil((total * j) / points);
  for (let i = 0; i < arm.length; i++) {
    const a = arm[i]!;
    if (a !== c && a !== t) continue;
    sequential.add(a === c ? 'control' : 'treatment', values[i]!);
    const n = sequential.control.n + sequential.treatment.n;
    if (n >= target(next)) {
      evidence.push(point(sequential.state()));
      while (next <= points && target(next) <= n) next++;
    }
  }
  const state = sequential.state();
  return {
    control: names[c]!,
    treatment: names[t]!,
    ...fixed,
    lift: lift.lift,
    liftCi: lift.ci,
    significant: fixed.pValue < alpha,
    sequential: {
      method: 'mSPRT',
      pValue: state.pValue,
      ci: state.ci,
      conclusive: sequential.conclusive,
      tuning: sequential.tuning,
      mixingSd: Math.sqrt(sequential.rho2),
      evidence,
    },
  };
}

const point = (s: SequentialState): EvidencePoint => ({ n: s.n, pValue: s.pValue, naivePValue: s.naivePValue, ci: s.ci });
