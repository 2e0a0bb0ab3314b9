import { describe, expect, it } from 'vitest';
import { liveQuality } from '../../../../functions/core/quality/live-quality.ts';
import { MODELS, readPackage } from '../../../support/models.ts';

const classifier = readPackage(MODELS.breastCancer);
const regressor = readPackage(MODELS.diabetesTrees);
const p = (label: string, malignant: number) => ({ label, probability: Math.max(malignant, 1 - malignant), probabilities: { benign: 1 - malignant, malignant } });

describe('live quality from joined labels', () => {
  it('joins by request id and instance index, and computes accuracy and AUC of a binary classifier', () => {
    const captured = [
      { requestId: 'a', index: 0, prediction: p('malignant', 0.9) },
      { requestId: 'a', index: 1, prediction: p('benign', 0.2) },
      { requestId: 'b', index: 0, prediction: p('malignant', 0.6) },
      { requestId: 'c', index: 0, prediction: p('benign', 0.1) },
      { requestId: 'unlabeled', index: 0, prediction: p('benign', 0.1) },
    ];
    const labels = [
      { requestId: 'a', index: 0, label: 'malignant' },
      { requestId: 'a', index: 1, label: 'malignant' },
      { requestId: 'b', label: 'benign' },
      { requestId: 'c', label: 'benign' },
      { requestId: 'never-captured', label: 'benign' },
    ];
    const q = liveQuality(classifier, captured, labels);
    expect(q.labeledRows).toBe(4);
    // correct: a#0 and c; wrong: a#1 (benign vs malignant) and b (malignant vs benign)
    expect(q.metrics.LiveAccuracy).toBe(0.5);
    // positives a#0 (0.9), a#1 (0.2); negatives b (0.6), c (0.1): pairs won 0.9>0.6, 0.9>0.1, 0.2>0.1 -> 3 of 4
    expect(q.metrics.LiveAuc).toBe(0.75);
  });

  it('computes RMSE and MAE of a regressor', () => {
    const q = liveQuality(
      regressor,
      [
        { requestId: 'a', prediction: { value: 100 } },
        { requestId: 'b', prediction: { value: 150 } },
      ],
      [
        { requestId: 'a', value: 110 },
        { requestId: 'b', value: 130 },
      ],
    );
    expect(q).toEqual({ labeledRows: 2, metrics: { LiveRmse: Math.sqrt((100 + 400) / 2), LiveMae: 15 } });
  });

  it('reports nothing rather than a made-up number when no label matches', () => {
    expect(liveQuality(classifier, [{ requestId: 'a', prediction: p('benign', 0.1) }], [{ requestId: 'z', label: 'benign' }])).toEqual({ labeledRows: 0, metrics: {} });
  });
});
