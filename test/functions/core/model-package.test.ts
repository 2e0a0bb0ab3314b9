import { describe, expect, it } from 'vitest';
import { ModelPackage } from '../../../functions/core/model-package.ts';
import { MODELS, readPackage } from '../../support/models.ts';

const base = readPackage(MODELS.breastCancer);
const problems = (pkg: unknown) => {
  const parsed = ModelPackage.safeParse(pkg);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('model.json schema', () => {
  it('accepts every shipped package', () => {
    for (const dir of Object.values(MODELS)) expect(problems(readPackage(dir))).toEqual([]);
  });

  it('refuses a duplicate feature and a feature without baseline', () => {
    const features = [...base.features, { ...base.features[0]!, }, { ...base.features[0]!, name: 'extra' }];
    expect(problems({ ...base, features })).toEqual(
      expect.arrayContaining([`features.30.name: duplicate feature "${base.features[0]!.name}"`, 'baseline.features: no baseline for feature "extra"']),
    );
  });

  it('refuses a feature bound to an undeclared input, and a categorical feature on a float input', () => {
    const features = base.features.map((f, i) => (i === 0 ? { ...f, input: 'nope' } : i === 1 ? { name: f.name, type: 'categorical', categories: ['a'] } : f));
    expect(problems({ ...base, features })).toEqual(
      expect.arrayContaining(['features.0.input: unknown graph input "nope"', `features.1.input: categorical feature "${base.features[1]!.name}" cannot feed float32 input "features"`]),
    );
  });

  it('refuses a classifier whose first output is a value, and probabilities without labels', () => {
    expect(problems({ ...base, outputs: [{ name: 'p', kind: 'value', description: '' }] })).toContain('outputs.0.kind: a classifier needs a probabilities or label output first');
    expect(problems({ ...base, outputs: [{ name: 'p', kind: 'probabilities', description: '' }] })).toContain('outputs.0.labels: a probabilities output needs labels');
  });

  it('refuses missing values on an integer input', () => {
    const pkg = { ...base, inputs: [{ name: 'features', type: 'int64' }], features: base.features.map((f, i) => (i === 0 ? { ...f, allowMissing: true } : f)) };
    expect(problems(pkg)).toContain(`features.0.allowMissing: "${base.features[0]!.name}" feeds integer input "features", which has no missing value (NaN) to carry`);
  });

  it('refuses a range whose min exceeds its max, and a non-finite metric', () => {
    const features = base.features.map((f, i) => (i === 0 ? { ...f, range: { min: 2, max: 1 } } : f));
    expect(problems({ ...base, features, metrics: { holdout: { auc: Number.POSITIVE_INFINITY } } })).toEqual(
      expect.arrayContaining(['features.0.range: range.min must not exceed range.max', 'metrics.holdout.auc: Invalid input: expected number, received Infinity']),
    );
  });
});
