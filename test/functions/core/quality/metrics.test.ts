import { describe, expect, it } from 'vitest';
import { accuracy, argmax, classificationMetrics, logLoss, precisionRecallF1, regressionMetrics, rocAuc } from '../../../../functions/core/quality/metrics.ts';

describe('classification metrics', () => {
  it('counts a tied positive/negative pair as half a correct ranking in ROC AUC', () => {
    // Pairs (positive score, negative score): (0.8, 0.8) = 1/2, (0.8, 0.2) = 1, (0.6, 0.8) = 0, (0.6, 0.2) = 1.
    expect(rocAuc([true, false, true, false], [0.8, 0.8, 0.6, 0.2])).toBeCloseTo(2.5 / 4, 12);
  });

  it('gives ROC AUC 1 for a perfect ranking, 0 for a reversed one and 1/2 when every score ties', () => {
    expect(rocAuc([false, false, true, true], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(rocAuc([true, true, false, false], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(rocAuc([true, false, true, false], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });

  it('refuses ROC AUC without both classes', () => {
    expect(() => rocAuc([true, true], [0.1, 0.2])).toThrow(/both/);
  });

  it('computes log loss as the mean negative log probability of the true class', () => {
    expect(logLoss([1, 0], [[0.2, 0.8], [0.6, 0.4]])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
  });

  it('keeps log loss finite when a true class gets probability 0', () => {
    expect(logLoss([0], [[0, 1]])).toBeCloseTo(-Math.log(1e-15), 6);
  });

  it('computes precision, recall and F1 of one class, and 0 when undefined', () => {
    const m = precisionRecallF1([1, 1, 0, 0, 1], [1, 0, 1, 0, 1], 1);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    expect(precisionRecallF1([1, 1], [0, 0], 1)).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  it('picks the first class on ties, as the server does', () => {
    expect(argmax([0.5, 0.5])).toBe(0);
    expect(argmax([0.2, 0.4, 0.4])).toBe(1);
    expect(accuracy([0, 1, 1], [0, 1, 0])).toBeCloseTo(2 / 3, 12);
  });

  it('reports binary metrics for class 1 and macro averages for more classes', () => {
    expect(Object.keys(classificationMetrics([0, 1], [[0.9, 0.1], [0.3, 0.7]]))).toEqual(['accuracy', 'logLoss', 'rocAuc', 'precision', 'recall', 'f1']);
    const multi = classificationMetrics([0, 1, 2], [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]);
    expect(multi).toMatchObject({ accuracy: 1, macroRocAuc: 1, macroPrecision: 1, macroRecall: 1, macroF1: 1 });
  });
});

describe('regression metrics', () => {
  it('computes RMSE, MAE and R² by hand on three rows', () => {
    // Errors 0, 0, -2; the actual values have mean 2 and a total sum of squares of 2.
    const m = regressionMetrics([1, 2, 3], [1, 2, 5]);
    expect(m.rmse).toBeCloseTo(Math.sqrt(4 / 3), 12);
    expect(m.mae).toBeCloseTo(2 / 3, 12);
    expect(m.r2).toBeCloseTo(-1, 12);
  });
});
