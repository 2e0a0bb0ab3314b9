import { describe, expect, it } from 'vitest';
import { comparePredictions } from '../../../../functions/core/compare/compare-predictions.ts';

const p = (label: string, malignant: number) => ({ label, probability: Math.max(malignant, 1 - malignant), probabilities: { benign: 1 - malignant, malignant } });

describe('comparing the predictions of two versions', () => {
  it('counts label agreement and the largest class-probability gap per row', () => {
    const c = comparePredictions([p('malignant', 0.9), p('benign', 0.3), p('benign', 0.1)], [p('malignant', 0.8), p('malignant', 0.6), p('benign', 0.1)]);
    expect(c.rows).toBe(3);
    expect(c.agreement).toBeCloseTo(2 / 3, 12);
    expect(c.meanAbsDiff).toBeCloseTo((0.1 + 0.3 + 0) / 3, 12);
    expect(c.maxAbsDiff).toBeCloseTo(0.3, 12);
  });

  it('compares regression values, without agreement', () => {
    expect(comparePredictions([{ value: 100 }, { value: 50 }], [{ value: 110 }, { value: 45 }])).toEqual({ rows: 2, meanAbsDiff: 7.5, maxAbsDiff: 10 });
  });

  it('refuses predictions of different lengths', () => {
    expect(() => comparePredictions([{ value: 1 }], [])).toThrow('cannot compare 1 predictions with 0');
  });
});
