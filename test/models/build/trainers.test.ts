import { describe, expect, it } from 'vitest';
import { Random } from '../../../models/build/random.ts';
import { predictTree, trainGradientBoosting } from '../../../models/build/train/gradient-boosting.ts';
import { solve } from '../../../models/build/train/linear-algebra.ts';
import { predictLogisticRegression, sigmoid, trainLogisticRegression } from '../../../models/build/train/logistic-regression.ts';
import { predictMlp, trainMlp } from '../../../models/build/train/mlp.ts';
import { fitStandardizer, standardize } from '../../../models/build/train/standardize.ts';

/** Two noisy blobs, separable along the first coordinate. */
function blobs(n: number, seed: number): { x: number[][]; y: number[] } {
  const random = new Random(seed);
  const y = Array.from({ length: n }, (_, i) => i % 2);
  const x = y.map((c) => [c * 4 + random.normal(), random.normal() * 10 + 50]);
  return { x, y };
}

describe('trainers', () => {
  it('solves a linear system with pivoting', () => {
    expect(solve([[0, 2], [3, 1]], [4, 5]).map((v) => Number(v.toFixed(12)))).toEqual([1, 2]);
  });

  it('standardises each column to mean 0 and standard deviation 1, leaving constant columns finite', () => {
    const s = fitStandardizer([[1, 7], [3, 7]]);
    expect(s).toEqual({ mean: [2, 7], std: [1, 1] });
    expect(standardize(s, [3, 7])).toEqual([1, 0]);
  });

  it('computes the sigmoid without overflow at extreme logits', () => {
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(0)).toBe(0.5);
  });

  it('fits logistic regression to the penalised optimum (zero gradient)', () => {
    const { x, y } = blobs(200, 1);
    const lambda = 1;
    const model = trainLogisticRegression(x, y, { lambda });
    const z = x.map((row) => standardize(model.standardizer, row));
    const residual = x.map((row, i) => predictLogisticRegression(model, row) - y[i]!);
    const gradient = model.weights.map((w, j) => z.reduce((s, row, i) => s + row[j]! * residual[i]!, lambda * w));
    const biasGradient = residual.reduce((a, b) => a + b, 0);
    for (const g of [...gradient, biasGradient]) expect(Math.abs(g)).toBeLessThan(1e-8);
    expect(model.weights[0]).toBeGreaterThan(1);
  });

  it('trains the same MLP from the same seed and separates the blobs', () => {
    const { x, y } = blobs(100, 2);
    const options = { hidden: 4, epochs: 200, learningRate: 0.05, l2: 0, seed: 3 };
    const a = trainMlp(x, y, 2, options);
    expect(a).toEqual(trainMlp(x, y, 2, options));
    const correct = x.filter((row, i) => predictMlp(a, row)[y[i]!]! > 0.5).length;
    expect(correct / x.length).toBeGreaterThan(0.95);
  });

  it('boosts trees that fit a step function with float32 thresholds between the data', () => {
    const x = Array.from({ length: 40 }, (_, i) => [i / 10]);
    const y = x.map(([v]) => (v! < 2 ? 10 : 30));
    const model = trainGradientBoosting(x, y, { trees: 50, depth: 1, learningRate: 0.5, minLeafRows: 1 });
    const root = model.trees[0]![0]!;
    expect(root).toMatchObject({ feature: 0, threshold: Math.fround(1.95) });
    const predict = (v: number) => model.trees.reduce((s, t) => s + predictTree(t, [v]), model.base);
    expect(predict(0.5)).toBeCloseTo(10, 3);
    expect(predict(3.5)).toBeCloseTo(30, 3);
  });
});
