import { Random } from '../random.ts';
import { fitStandardizer, type Standardizer, standardize } from './standardize.ts';

/**
 * softmax(relu(standardize(x) · w1 + b1) · w2 + b2). Weight matrices are row-major [inputs, outputs],
 * the layout ONNX Gemm takes as its B operand.
 */
export interface Mlp {
  readonly standardizer: Standardizer;
  readonly inputs: number;
  readonly hidden: number;
  readonly classes: number;
  readonly w1: readonly number[];
  readonly b1: readonly number[];
  readonly w2: readonly number[];
  readonly b2: readonly number[];
}

export interface MlpOptions {
  readonly hidden: number;
  readonly epochs: number;
  readonly learningRate: number;
  /** L2 penalty on the weight matrices. */
  readonly l2: number;
  readonly seed: number;
}

export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function forward(m: Mlp, z: readonly number[]): { hidden: number[]; probabilities: number[] } {
  const hidden = m.b1.map((b, j) => Math.max(0, z.reduce((s, v, i) => s + v * m.w1[i * m.hidden + j]!, b)));
  const logits = m.b2.map((b, c) => hidden.reduce((s, v, j) => s + v * m.w2[j * m.classes + c]!, b));
  return { hidden, probabilities: softmax(logits) };
}

/**
 * Full-batch Adam on mean cross-entropy: with ~150 rows every epoch sees all of them, so the only
 * randomness is the seeded initialisation and the result is the same on every run.
 */
export function trainMlp(x: readonly (readonly number[])[], y: readonly number[], classes: number, options: MlpOptions): Mlp {
  const { hidden, epochs, learningRate, l2, seed } = options;
  const standardizer = fitStandardizer(x);
  const z = x.map((row) => standardize(standardizer, row));
  const inputs = z[0]!.length;
  const random = new Random(seed);
  // He initialisation suits ReLU: it keeps activations' variance steady through the layer.
  const w1 = Array.from({ length: inputs * hidden }, () => random.normal() * Math.sqrt(2 / inputs));
  const w2 = Array.from({ length: hidden * classes }, () => random.normal() * Math.sqrt(1 / hidden));
  const model: Mlp = { standardizer, inputs, hidden, classes, w1, b1: new Array(hidden).fill(0), w2, b2: new Array(classes).fill(0) };
  const params = [model.w1, model.b1, model.w2, model.b2] as number[][];
  const moment1 = params.map((p) => new Array<number>(p.length).fill(0));
  const moment2 = params.map((p) => new Array<number>(p.length).fill(0));
  const n = z.length;
  for (let t = 1; t <= epochs; t++) {
    const grads = params.map((p, k) => p.map((v) => (k % 2 === 0 ? l2 * v : 0)));
    const [g1, gb1, g2, gb2] = grads as [number[], number[], number[], number[]];
    z.forEach((row, r) => {
      const { hidden: h, probabilities } = forward(model, row);
      const dOut = probabilities.map((p, c) => (p - (c === y[r] ? 1 : 0)) / n);
      for (let c = 0; c < classes; c++) gb2[c]! += dOut[c]!;
      for (let j = 0; j < hidden; j++) {
        if (h[j]! <= 0) continue;
        let dh = 0;
        for (let c = 0; c < classes; c++) {
          g2[j * classes + c]! += h[j]! * dOut[c]!;
          dh += w2[j * classes + c]! * dOut[c]!;
        }
        gb1[j]! += dh;
        for (let i = 0; i < inputs; i++) g1[i * hidden + j]! += row[i]! * dh;
      }
    });
    params.forEach((p, k) => adamStep(p, grads[k]!, moment1[k]!, moment2[k]!, t, learningRate));
  }
  return model;
}

function adamStep(p: number[], g: readonly number[], m: number[], v: number[], t: number, lr: number): void {
  const beta1 = 0.9;
  const beta2 = 0.999;
  for (let i = 0; i < p.length; i++) {
    m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
    v[i] = beta2 * v[i]! + (1 - beta2) * g[i]! ** 2;
    const mHat = m[i]! / (1 - beta1 ** t);
    const vHat = v[i]! / (1 - beta2 ** t);
    p[i]! -= (lr * mHat) / (Math.sqrt(vHat) + 1e-8);
  }
}

export const predictMlp = (model: Mlp, row: readonly number[]): number[] => forward(model, standardize(model.standardizer, row)).probabilities;
