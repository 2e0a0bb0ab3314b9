import { describe, expect, it } from 'vitest';
import { pick } from '../../../models/build/data.ts';
import { trainBreastCancer } from '../../../models/build/packages/breast-cancer.ts';
import { trainDiabetesCategorical, treeRow } from '../../../models/build/packages/diabetes-categorical.ts';
import { trainDiabetesTrees } from '../../../models/build/packages/diabetes-trees.ts';
import { trainWine } from '../../../models/build/packages/wine-mlp.ts';
import { runOnnx } from '../../../models/build/run-onnx.ts';
import { predictGradientBoosting } from '../../../models/build/train/gradient-boosting.ts';
import { predictLogisticRegression } from '../../../models/build/train/logistic-regression.ts';
import { predictMlp } from '../../../models/build/train/mlp.ts';

const maxAbsDiff = (a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number =>
  Math.max(...a.flatMap((row, r) => row.map((v, c) => Math.abs(v - b[r]![c]!))));

describe('exported graphs score like the TypeScript models they were trained as', () => {
  it('exports a logistic regression whose ONNX scores match the trained weights', async () => {
    const { data, model, onnx } = trainBreastCancer();
    const rows = pick(data.x, data.split.holdout);
    const onnxProbabilities = await runOnnx(onnx, { features: { type: 'float32', rows } }, 'probabilities');
    const expected = rows.map((row) => {
      const p = predictLogisticRegression(model, row);
      return [1 - p, p];
    });
    expect(maxAbsDiff(onnxProbabilities, expected)).toBeLessThan(1e-5);
  });

  it('exports the logistic regression label as the index of the larger probability', async () => {
    const { data, onnx } = trainBreastCancer();
    const rows = pick(data.x, data.split.holdout);
    const probabilities = await runOnnx(onnx, { features: { type: 'float32', rows } }, 'probabilities');
    const labels = await runOnnx(onnx, { features: { type: 'float32', rows } }, 'label');
    expect(labels.map((l) => l[0])).toEqual(probabilities.map((p) => (p[1]! > p[0]! ? 1 : 0)));
  });

  it('exports an MLP whose ONNX softmax matches the trained network', async () => {
    const { data, model, onnx } = trainWine();
    const rows = pick(data.x, data.split.holdout);
    const onnxProbabilities = await runOnnx(onnx, { features: { type: 'float32', rows } }, 'probabilities');
    expect(maxAbsDiff(onnxProbabilities, rows.map((row) => predictMlp(model, row)))).toBeLessThan(1e-5);
  });

  it('exports gradient-boosted trees whose TreeEnsembleRegressor matches the ensemble to float32 precision', async () => {
    const { data, x, model, onnx } = trainDiabetesTrees();
    const rows = pick(x, data.split.holdout);
    const values = await runOnnx(onnx, { features: { type: 'float32', rows } }, 'value');
    // Same leaves on every row (thresholds are float32); only the float32 sum of 100 leaves differs.
    expect(maxAbsDiff(values, rows.map((row) => [predictGradientBoosting(model, row)]))).toBeLessThan(1e-3);
  });

  it('encodes the categorical string input inside the graph, as training did', async () => {
    const { data, numeric, sex, model, onnx } = trainDiabetesCategorical();
    const holdout = data.split.holdout;
    const values = await runOnnx(
      onnx,
      { features: { type: 'float32', rows: pick(numeric, holdout) }, sex: { type: 'string', rows: holdout.map((r) => [sex[r]!]) } },
      'value',
    );
    const expected = holdout.map((r) => [predictGradientBoosting(model, treeRow(numeric[r]!, sex[r]!))]);
    expect(maxAbsDiff(values, expected)).toBeLessThan(1e-3);
    expect(new Set(sex)).toEqual(new Set(['female', 'male']));
  });
});
