/** Model quality: holdout metrics at build time, live quality once labels are joined. Classes are indexes 0..K-1; `probabilities` rows are per-class scores summing to 1. */

/** Index of the largest value, the first one on ties (as the server's friendly predictions pick it). */
export const argmax = (row: readonly number[]): number => row.reduce((best, v, i) => (v > row[best]! ? i : best), 0);

export function accuracy(actual: readonly number[], predicted: readonly number[]): number {
  return actual.filter((a, i) => a === predicted[i]).length / actual.length;
}

/**
 * Area under the ROC curve as the Mann-Whitney statistic: the chance a random positive scores above a
 * random negative, ties counting one half (tied scores share their average rank).
 */
export function rocAuc(positive: readonly boolean[], scores: readonly number[]): number {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(scores.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]![0] === order[start]![0]) end++;
    const midrank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]![1]] = midrank;
    start = end + 1;
  }
  const nPos = positive.filter(Boolean).length;
  const nNeg = positive.length - nPos;
  if (nPos === 0 || nNeg === 0) throw new Error('ROC AUC needs both positive and negative rows');
  const rankSum = positive.reduce((sum, p, i) => (p ? sum + ranks[i]! : sum), 0);
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Mean negative log probability of the true class; probabilities are clipped so one sure mistake stays finite. */
export function logLoss(actual: readonly number[], probabilities: readonly (readonly number[])[], eps = 1e-15): number {
  const total = actual.reduce((sum, a, i) => sum - Math.log(Math.min(1 - eps, Math.max(eps, probabilities[i]![a]!))), 0);
  return total / actual.length;
}

/** Precision, recall and F1 of one class; 0 when undefined (nothing predicted or nothing actual). */
export function precisionRecallF1(actual: readonly number[], predicted: readonly number[], cls: number) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  actual.forEach((a, i) => {
    const p = predicted[i];
    if (p === cls && a === cls) tp++;
    else if (p === cls) fp++;
    else if (a === cls) fn++;
  });
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** Binary metrics take class 1 as the positive class; with more classes, per-class metrics are macro averages. */
export function classificationMetrics(actual: readonly number[], probabilities: readonly (readonly number[])[]): Record<string, number> {
  const predicted = probabilities.map(argmax);
  const k = probabilities[0]!.length;
  const base = { accuracy: accuracy(actual, predicted), logLoss: logLoss(actual, probabilities) };
  if (k === 2) {
    return { ...base, rocAuc: rocAuc(actual.map((a) => a === 1), probabilities.map((p) => p[1]!)), ...precisionRecallF1(actual, predicted, 1) };
  }
  const classes = Array.from({ length: k }, (_, c) => c);
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  const perClass = classes.map((c) => precisionRecallF1(actual, predicted, c));
  return {
    ...base,
    macroRocAuc: mean(classes.map((c) => rocAuc(actual.map((a) => a === c), probabilities.map((p) => p[c]!)))),
    macroPrecision: mean(perClass.map((m) => m.precision)),
    macroRecall: mean(perClass.map((m) => m.recall)),
    macroF1: mean(perClass.map((m) => m.f1)),
  };
}

export function regressionMetrics(actual: readonly number[], predicted: readonly number[]): Record<string, number> {
  const n = actual.length;
  const mean = actual.reduce((a, b) => a + b, 0) / n;
  let se = 0;
  let ae = 0;
  let tss = 0;
  actual.forEach((a, i) => {
    const e = a - predicted[i]!;
    se += e * e;
    ae += Math.abs(e);
    tss += (a - mean) ** 2;
  });
  return { rmse: Math.sqrt(se / n), mae: ae / n, r2: 1 - se / tss };
}
