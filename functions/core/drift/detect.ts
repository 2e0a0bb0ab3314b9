import type { Baseline, ModelPackage } from '../model-package.ts';
import { categoricalTest, referenceFromColumn, referenceFromFrequencies } from './categorical.ts';
import { type Column, type Columns, looksCategorical, rowCount } from './columns.ts';
import { DEFAULT_SETTINGS, decide, decideAll, type DriftSettings } from './decide.ts';
import type { DriftReport, FeatureDrift } from './drift-report.ts';
import { numericAgainstBaseline, numericBetween, Scratch } from './numeric.ts';
import type { Tested } from './tested.ts';

export type { Column, Columns } from './columns.ts';
export { DEFAULT_SETTINGS, type DriftSettings } from './decide.ts';

/**
 * Drift detection: a batch of current rows (columns) against a model's training baseline or against
 * a reference batch, as a complete `DriftReport`. The same code serves the scheduled drift job, the
 * CLI and the HTML report.
 */

export interface DriftOptions extends Partial<DriftSettings> {
  /** Where the current rows came from (an S3 prefix, a file), for the report. @default 'current' */
  readonly current?: string;
  /** Where the reference came from. @default the model's baseline, or 'reference' */
  readonly reference?: string;
  /** Column of model outputs (a predicted label or value) in the current rows, and in the reference rows for `driftBetween`. @default 'predictions' */
  readonly predictionColumn?: string;
  /** How to compare predictions. @default categorical when the column holds strings, else numeric */
  readonly predictionType?: 'numeric' | 'categorical';
  /** Report time. @default now */
  readonly now?: Date;
}

export interface BaselineDriftOptions extends DriftOptions {
  /** Features to check, all of which must be in the current columns. @default the model's features present in the current columns */
  readonly features?: readonly string[];
  /**
   * What the predictions are compared with: a baseline of the model's outputs on the training rows
   * (numeric bins or category frequencies, as `model.json` keeps features), or a column of reference
   * predictions. `model.json` has no such baseline yet, so without this no prediction drift is reported.
   */
  readonly predictionReference?: Baseline | Column;
}

export interface BetweenDriftOptions extends DriftOptions {
  readonly model?: { readonly name: string; readonly version: string };
  /** Quantile bins made from the reference sample for PSI and the plots. @default 10, as baselines have */
  readonly bins?: number;
}

export type FeatureSpec = { readonly name: string; readonly type: 'numeric' | 'categorical' };

const settingsOf = (o: Partial<DriftSettings>): DriftSettings => ({
  alpha: o.alpha ?? DEFAULT_SETTINGS.alpha,
  psiThreshold: o.psiThreshold ?? DEFAULT_SETTINGS.psiThreshold,
  ksThreshold: o.ksThreshold ?? DEFAULT_SETTINGS.ksThreshold,
});

/** One Scratch per module: the drift job runs one comparison at a time per process, and buffers are its main cost. */
const scratch = new Scratch();

function column(columns: Columns, name: string, side: string): Column {
  const c = columns.get(name);
  if (c === undefined) throw new Error(`the ${side} rows have no column "${name}"`);
  return c;
}

function against(name: string, baseline: Baseline, current: Column): Tested {
  return baseline.type === 'numeric'
    ? numericAgainstBaseline(name, current, baseline, scratch)
    : categoricalTest(name, referenceFromFrequencies(baseline.frequencies), current);
}

function between(spec: FeatureSpec, reference: Column, current: Column, bins?: number): Tested {
  return spec.type === 'numeric'
    ? numericBetween(spec.name, reference, current, scratch, bins)
    : categoricalTest(spec.name, referenceFromColumn(reference), current);
}

/** Predictions are a family of one: not part of the features' correction, and their adjusted p-value is their p-value. */
const decidePrediction = (t: Tested | undefined, s: DriftSettings): FeatureDrift | undefined => (t ? decide(t, t.pValue, s) : undefined);

function report(
  features: FeatureDrift[],
  prediction: FeatureDrift | undefined,
  settings: DriftSettings,
  meta: { model?: { name: string; version: string }; reference: string; current: string; rows: number; now?: Date },
): DriftReport {
  return {
    // Overall drift is input drift: the prediction's verdict is reported beside it, not folded in.
    drift: features.some((f) => f.drift),
    ...(meta.model ? { model: { name: meta.model.name, version: meta.model.version } } : {}),
    reference: meta.reference,
    current: meta.current,
    rows: meta.rows,
    settings: { ...settings, correction: 'benjamini-hochberg' },
    features,
    ...(prediction ? { prediction } : {}),
    createdAt: (meta.now ?? new Date()).toISOString(),
  };
}

/**
 * Current rows against the baseline in the model package (`model.json`): numeric features by KS at the
 * baseline's quantile edges and PSI over its bins; categorical ones by chi-square and PSI over its
 * frequencies. Features without a column in `current` are skipped unless named in `options.features`
 * (captured inputs may hold only an allow-list of features).
 */
export function driftAgainstBaseline(
  pkg: Pick<ModelPackage, 'name' | 'version' | 'features' | 'baseline'>,
  current: Columns,
  options: BaselineDriftOptions = {},
): DriftReport {
  const settings = settingsOf(options);
  const names = options.features ?? pkg.features.map((f) => f.name).filter((n) => current.has(n));
  if (names.length === 0) throw new Error(`the current rows hold none of the features of ${pkg.name} ${pkg.version}`);
  const tested = names.map((name) => {
    const baseline = pkg.baseline.features[name];
    if (!baseline) throw new Error(`${pkg.name} ${pkg.version} has no baseline for feature "${name}"`);
    return against(name, baseline, column(current, name, 'current'));
  });
  const predictionName = options.predictionColumn ?? 'predictions';
  const predictions = current.get(predictionName);
  const ref = options.predictionReference;
  let prediction: Tested | undefined;
  if (predictions && ref) {
    if ('type' in ref && !('length' in ref)) prediction = against(predictionName, ref, predictions);
    else prediction = between({ name: predictionName, type: options.predictionType ?? (looksCategorical(predictions) ? 'categorical' : 'numeric') }, ref as Column, predictions);
  }
  return report(decideAll(tested, settings), decidePrediction(prediction, settings), settings, {
    model: { name: pkg.name, version: pkg.version },
    reference: options.reference ?? `baseline of ${pkg.name} ${pkg.version} (${pkg.baseline.rows} training rows)`,
    current: options.current ?? 'current',
    rows: rowCount(current),
    now: options.now,
  });
}

/**
 * Current rows against reference rows: numeric features by the exact two-sample KS test and PSI over
 * 10 quantile bins of the reference; categorical ones by chi-square and PSI. Predictions are compared
 * when both sides have the prediction column.
 */
export function driftBetween(reference: Columns, current: Columns, features: readonly FeatureSpec[], options: BetweenDriftOptions = {}): DriftReport {
  const settings = settingsOf(options);
  if (features.length === 0) throw new Error('no features to compare');
  const tested = features.map((spec) => between(spec, column(reference, spec.name, 'reference'), column(current, spec.name, 'current'), options.bins));
  const predictionName = options.predictionColumn ?? 'predictions';
  const refPredictions = reference.get(predictionName);
  const curPredictions = current.get(predictionName);
  const prediction =
    refPredictions && curPredictions
      ? between(
          { name: predictionName, type: options.predictionType ?? (looksCategorical(refPredictions) ? 'categorical' : 'numeric') },
          refPredictions,
          curPredictions,
          options.bins,
        )
      : undefined;
  return report(decideAll(tested, settings), decidePrediction(prediction, settings), settings, {
    model: options.model,
    reference: options.reference ?? 'reference',
    current: options.current ?? 'current',
    rows: rowCount(current),
    now: options.now,
  });
}
