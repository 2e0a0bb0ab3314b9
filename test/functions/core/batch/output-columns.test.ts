import type ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { outputShape } from '../../../../functions/core/batch/output-columns.ts';
import { MODELS, readPackage } from '../../../support/models.ts';

const pkg = readPackage(MODELS.breastCancer);
const head = pkg.outputs[0]!;
const results = { [head.name]: { data: Float32Array.from([0.25, 0.75]) } } as unknown as ort.InferenceSession.ReturnType;

describe('output columns of a batch part', () => {
  it('refuses an id column that has the name of an output column, naming them all', () => {
    expect(() => outputShape(pkg, 'model_version')).toThrow(
      'the id column "model_version" has the name of an output column (label, probability, probability_benign, probability_malignant, model_version)',
    );
  });

  it('writes the id as text, a timestamp as ISO 8601 with its milliseconds', () => {
    const shape = outputShape(pkg, 'taken_at');
    const at = new Date(Date.UTC(2026, 10, 23, 17, 59, 30, 123));
    expect(shape.columns.map((c) => c.name)).toEqual(['taken_at', 'label', 'probability', 'probability_benign', 'probability_malignant', 'model_version']);
    expect(shape.rows(results, 1, () => at)).toEqual([['2026-11-23T17:59:30.123Z', 'malignant', 0.75, 0.25, 0.75, pkg.version]]);
    expect(shape.rows(results, 1, () => 12n)[0]![0]).toBe('12');
  });
});
