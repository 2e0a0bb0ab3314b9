import { solve } from './linear-algebra.ts';
import { fitStandardizer, type Standardizer, standardize } from './standardize.ts';

/** P(class 1) = sigmoid(weights · standardize(x) + bias). */
export interface LogisticRegression {
  readonly standardizer: Standardizer;
  readonly weights: readonly number[];
  readonly bias: number;
}

export interface LogisticRegressionOptions {
  /** L2 penalty on the weights (not the bias): minimises sum(log loss) + lambda/2 |w|². */
  readonly lambda: number;
  readonly maxIterations?: number;
  readonly tolerance?: number;
}

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Newton's method (IRLS): the penalised log loss is strictly convex, so a dozen exact steps reach the
 * optimum to machine precision, with no learning rate to tune and no seed.
 */
export function trainLogisticRegression(x: readonly (readonly number[])[], y: readonly number[], options: LogisticRegressionOptions): LogisticRegression {
  const { lambda, maxIterations = 100, tolerance = 1e-10 } = options;
  const standardizer = fitStandardizer(x);
  // The last column is the intercept.
  const z = x.map((row) => [...standardize(standardizer, row), 1]);
  const d = z[0]!.length;
  const theta = new Array<number>(d).fill(0);
  for (let iter = 0; iter < maxIterations; iter++) {
    const gradient = theta.map((t, j) => (j < d - 1 ? lambda * t : 0));
    const hessian = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j && i < d - 1 ? lambda : 0)));
    z.forEach((row, r) => {
      const p = sigmoid(row.reduce((s, v, j) => s + v * theta[j]!, 0));
      const w = p * (1 - p);
      for (let i = 0; i < d; i++) {
        gradient[i]! += (p - y[r]!) * row[i]!;
        const h = hessian[i]!;
        for (let j = 0; j < d; j++) h[j]! += w * row[i]! * row[j]!;
      }
    });
    const step = solve(hessian, gradient);
    step.forEach((s, j) => (theta[j]! -= s));
    if (Math.max(...step.map(Math.abs)) < tolerance) break;
  }
  return { standardizer, weights: theta.slice(0, d - 1), bias: theta[d - 1]! };
}

export const predictLogisticRegression = (model: LogisticRegression, row: readonly number[]): number =>
  sigmoid(standardize(model.standardizer, row).reduce((s, v, j) => s + v * model.weights[j]!, model.bias));
