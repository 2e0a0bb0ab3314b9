import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { Model } from '../../functions/core/model.ts';
import { sha256 } from '../../functions/core/package-file.ts';
import { type Baseline, type Feature, ModelPackage } from '../../functions/core/model-package.ts';
import { numericBaseline } from './baseline.ts';
import type { Dataset } from './datasets.ts';

/** model.json before the checksum and the golden examples, which the build derives. */
export type Draft = Omit<z.input<typeof ModelPackage>, 'sha256' | 'examples'>;
export type Instance = Record<string, number | string>;

/** Stable, diff-friendly JSON: 2-space indent and a trailing newline. */
export const toJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Rounds `x` to a multiple of `step` towards `direction`, dropping binary noise such as 0.30000000000000004. */
const roundTo = (x: number, step: number, direction: 'down' | 'up'): number =>
  Number(((direction === 'down' ? Math.floor(x / step) : Math.ceil(x / step)) * step).toPrecision(12));

/**
 * The training range widened by 5% of its span on each side and rounded outward to three significant
 * digits of the span, so values just past the training extremes are not rejected when `strict`.
 * A feature never negative in training stays non-negative.
 */
export function trainingRange(values: readonly number[], strict: boolean): { min: number; max: number; strict: boolean } {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || Math.abs(hi) || 1;
  const step = 10 ** (Math.floor(Math.log10(span)) - 2);
  const min = roundTo(lo - span * 0.05, step, 'down');
  return { min: lo >= 0 ? Math.max(0, min) : min, max: roundTo(hi + span * 0.05, step, 'up'), strict };
}

/** The `training` block of model.json: where the data came from and how it was split. */
export const trainingOf = (data: Dataset, algorithm: string, script: string): Draft['training'] => ({
  dataset: data.source.file,
  source: data.source.citation,
  target: data.target,
  rows: data.split.train.length,
  holdoutRows: data.split.holdout.length,
  split: data.splitDescription,
  algorithm,
  script,
});

export const columnOf = (rows: readonly (readonly number[])[], j: number): number[] => rows.map((r) => r[j]!);

/** Numeric features over the columns of `trainX`, in order, with their training ranges. */
export const numericFeatures = (names: readonly string[], trainX: readonly (readonly number[])[], strict: boolean): z.input<typeof Feature>[] =>
  names.map((name, j) => ({ name, type: 'numeric', range: trainingRange(columnOf(trainX, j), strict) }));

export const numericBaselines = (names: readonly string[], trainX: readonly (readonly number[])[]): Record<string, Baseline> =>
  Object.fromEntries(names.map((name, j) => [name, numericBaseline(columnOf(trainX, j))]));

export const instanceOf = (names: readonly string[], values: readonly (number | string)[]): Instance =>
  Object.fromEntries(names.map((name, j) => [name, values[j]!]));

/** Three holdout rows for golden examples: the first row of each class (when classes are given), then the next rows. */
export function exampleRows(holdout: readonly number[], classOf?: (row: number) => number, accept: (row: number) => boolean = () => true): number[] {
  const candidates = holdout.filter(accept);
  const chosen: number[] = [];
  if (classOf) for (const r of candidates) if (!chosen.some((c) => classOf(c) === classOf(r))) chosen.push(r);
  for (const r of candidates) if (!chosen.includes(r)) chosen.push(r);
  return chosen.slice(0, 3);
}

/**
 * Writes model.onnx and model.json into `outDir`. The examples' predictions are whatever the core
 * Model returns for them, so they double as golden tests of the serving path.
 */
export async function writePackage(outDir: string, draft: Draft, onnx: Uint8Array, examples: readonly Instance[]): Promise<ModelPackage> {
  const { name, version, task, description, inputs, features, outputs, baseline, metrics, training } = draft;
  const withPredictions = (predictions: readonly unknown[]) => ({
    name,
    version,
    task,
    description,
    sha256: sha256(onnx),
    inputs,
    features,
    outputs,
    baseline,
    metrics,
    training,
    examples: examples.map((instance, i) => ({ instance, prediction: predictions[i] ?? null })),
  });
  const model = await Model.create(ModelPackage.parse(withPredictions([])), onnx);
  const predictions: unknown[] = [];
  try {
    for (const instance of examples) predictions.push((await model.predict([instance]))[0]);
  } finally {
    await model.session.release();
  }
  const json = withPredictions(predictions);
  const pkg = ModelPackage.parse(json);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'model.onnx'), onnx);
  writeFileSync(join(outDir, 'model.json'), toJson(json));
  return pkg;
}
