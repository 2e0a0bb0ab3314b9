import { describe, expect, it } from 'vitest';
import { friendlyPrediction } from '../../../../functions/core/sagemaker/friendly.ts';

const classifier = { outputs: [{ name: 'probabilities', kind: 'probabilities' as const, description: '', labels: ['benign', 'malignant'] }] };
const labeler = { outputs: [{ name: 'label', kind: 'label' as const, description: '', labels: ['no', 'yes'] }] };
const regressor = { outputs: [{ name: 'value', kind: 'value' as const, description: '' }] };
const friendly = { label: 'malignant', probability: 0.75, probabilities: { benign: 0.25, malignant: 0.75 } };

describe("a container's answer as the friendly prediction", () => {
  it('reads class probabilities keyed by output name, bare, or already friendly', () => {
    expect(friendlyPrediction(classifier, { probabilities: [0.25, 0.75], label: 'malignant' })).toEqual(friendly);
    expect(friendlyPrediction(classifier, [0.25, 0.75])).toEqual(friendly);
    expect(friendlyPrediction(classifier, friendly)).toEqual(friendly);
    expect(friendlyPrediction(classifier, { label: 'benign', probability: 0.9 })).toEqual({ label: 'benign', probability: 0.9 });
  });

  it('names a label output by its class, and reads a regression value', () => {
    expect(friendlyPrediction(labeler, 1)).toEqual({ label: 'yes' });
    expect(friendlyPrediction(labeler, { label: 'no' })).toEqual({ label: 'no' });
    expect(friendlyPrediction(regressor, 3.5)).toEqual({ value: 3.5 });
    expect(friendlyPrediction(regressor, { value: [2] })).toEqual({ value: 2 });
    expect(friendlyPrediction(regressor, { value: 2 })).toEqual({ value: 2 });
  });

  it('keeps an answer in no known form as it came', () => {
    expect(friendlyPrediction(classifier, { score: 0.3 })).toEqual({ score: 0.3 });
    expect(friendlyPrediction(regressor, 'high')).toBe('high');
  });
});
