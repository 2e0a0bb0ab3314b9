import type ort from 'onnxruntime-node';
import type { ModelPackage, Output } from './model-package.ts';

/** What `predict` returns per instance. */
export type Prediction =
  | { label: string; probability: number; probabilities: Record<string, number> }
  | { label: string }
  | { value: number };

const toNumber = (v: number | bigint): number => (typeof v === 'bigint' ? Number(v) : v);

/** The output tensor as plain JS numbers or strings (int64 arrives as BigInt64Array). */
export function tensorValues(tensor: ort.Tensor): (number | string)[] {
  const data = tensor.data as ArrayLike<number | bigint | string>;
  return Array.from(data, (v) => (typeof v === 'string' ? v : toNumber(v)));
}

/** Index of the largest of row `r`'s `k` class probabilities (the first on ties). */
export function argmax(data: ArrayLike<number>, r: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (data[r * k + c]! > data[r * k + best]!) best = c;
  return best;
}

/** A label output's value as its class name. */
export const labelOf = (head: Output, v: number | bigint | string): string =>
  typeof v === 'string' ? v : (head.labels?.[toNumber(v)] ?? String(v));

/**
 * The rows of an output tensor of `rows` rows that hold a number that is not finite: values inside what
 * the input type holds can still push a model past what float arithmetic holds (an MLP fed 3e38
 * answers NaN). Such an answer is refused, never passed on as a score with a label.
 */
export function nonFiniteRows(output: ort.Tensor, rows: number): number[] {
  const data = output.data as ArrayLike<unknown>;
  const width = data.length / rows;
  const broken: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // Labels (strings, int64 as BigInt) are never non-finite; only numbers are looked at.
    if (typeof v === 'number' && !Number.isFinite(v)) {
      const row = Math.floor(i / width);
      broken.push(row);
      i = (row + 1) * width - 1;
    }
  }
  return broken;
}

/** The rows whose head output (the first declared one, what predictions are made of) is not finite. */
export const nonFiniteAnswers = (pkg: ModelPackage, results: ort.InferenceSession.ReturnType, rows: number): number[] => nonFiniteRows(results[pkg.outputs[0]!.name]!, rows);

/** Why a row's answer was refused, in the API's issues and the batch rejects alike. */
export const NON_FINITE_ANSWER = 'the model answered NaN or Infinity for this row: its values are beyond what the model computes';

/** Maps the head output (the first declared one) of a run to one friendly prediction per row. */
export function toPredictions(pkg: ModelPackage, results: ort.InferenceSession.ReturnType, rows: number): Prediction[] {
  const head: Output = pkg.outputs[0]!;
  const tensor = results[head.name]!;
  const data = tensor.data as ArrayLike<number | bigint | string>;
  const out: Prediction[] = new Array(rows);
  switch (head.kind) {
    case 'probabilities': {
      const labels = head.labels!;
      const k = labels.length;
      for (let r = 0; r < rows; r++) {
        const probabilities: Record<string, number> = {};
        for (let c = 0; c < k; c++) probabilities[labels[c]!] = data[r * k + c] as number;
        const best = argmax(data as ArrayLike<number>, r, k);
        out[r] = { label: labels[best]!, probability: probabilities[labels[best]!]!, probabilities };
      }
      return out;
    }
    case 'label':
      for (let r = 0; r < rows; r++) out[r] = { label: labelOf(head, data[r]!) };
      return out;
    case 'value':
      for (let r = 0; r < rows; r++) out[r] = { value: toNumber(data[r] as number) };
      return out;
  }
}
