import type ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { outputShape, scoreTypeOf } from '../../../../functions/core/batch/output-columns.ts';
import { loadModel } from '../../../../functions/core/load.ts';
import { MODELS, readPackage } from '../../../support/models.ts';

const pkg = readPackage(MODELS.breastCancer);
const head = pkg.outputs[0]!;
const results = { [head.name]: { data: Float32Array.from([0.25, 0.75, 0.9, 0.1]) } } as unknown as ort.InferenceSession.ReturnType;
const rowsOf = (block: { rows: number; values: readonly ArrayLike<unknown>[] }) =>
  Array.from({ length: block.rows }, (_, r) => block.values.map((c) => c[r]));

describe('output columns of a batch part', () => {
  it('refuses an id column that has the name of an output column, naming them all', () => {
    expect(() => outputShape(pkg, 'model_version', 'float')).toThrow(
      'the id column "model_version" has the name of an output column (label, probability, probability_benign, probability_malignant, model_version)',
    );
  });

  it('writes the id as text, a timestamp as ISO 8601 with its milliseconds', () => {
    const shape = outputShape(pkg, 'taken_at', 'float');
    const at = new Date(Date.UTC(2026, 10, 23, 17, 59, 30, 123));
    expect(shape.columns.map((c) => c.name)).toEqual(['taken_at', 'label', 'probability', 'probability_benign', 'probability_malignant', 'model_version']);
    expect(rowsOf(shape.block(results, 2, (k) => [at, 12n][k]))).toEqual([
      ['2026-11-23T17:59:30.123Z', 'malignant', 0.75, 0.25, 0.75, pkg.version],
      ['12', 'benign', Math.fround(0.9), Math.fround(0.9), Math.fround(0.1), pkg.version],
    ]);
  });

  it('keeps a float32 model\'s scores as float32, in typed columns', async () => {
    const model = await loadModel(MODELS.breastCancer);
    expect(scoreTypeOf(model)).toBe('float');
    const shape = outputShape(pkg, undefined, scoreTypeOf(model));
    expect(shape.columns.filter((c) => c.name.startsWith('probability')).map((c) => [c.type, c.required])).toEqual([
      ['float', true],
      ['float', true],
      ['float', true],
    ]);
    expect(shape.block(results, 2, () => undefined).values.slice(1, 4).map((c) => c.constructor)).toEqual([Float32Array, Float32Array, Float32Array]);
  });
});
