import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../functions/core/errors.ts';
import { MODELS, model, readPackage } from '../../support/models.ts';
import { NON_FINITE_ANSWER } from '../../../functions/core/predictions.ts';

const issuesOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return (error as InvalidInputError).issues;
};

describe('Model.predict on the default breast-cancer model', () => {
  const pkg = readPackage(MODELS.breastCancer);
  const example = pkg.examples[0]!.instance as Record<string, number>;

  it('returns every golden example of model.json exactly', async () => {
    const m = await model(MODELS.breastCancer);
    for (const { instance, prediction } of pkg.examples) expect(await m.predict([instance])).toEqual([prediction]);
  });

  it('answers a labelled class with its probability, and probabilities that sum to 1', async () => {
    const [p] = (await (await model(MODELS.breastCancer)).predict([example])) as [{ label: string; probability: number; probabilities: Record<string, number> }];
    expect(['benign', 'malignant']).toContain(p.label);
    expect(p.probability).toBe(p.probabilities[p.label]);
    expect(p.probability).toBeGreaterThanOrEqual(0.5);
    expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('scores an array in feature order the same as named features', async () => {
    const m = await model(MODELS.breastCancer);
    const positional = pkg.features.map((f) => example[f.name]!);
    expect(await m.predict([positional])).toEqual(await m.predict([example]));
  });

  it('scores a batch row by row, in order', async () => {
    const m = await model(MODELS.breastCancer);
    const instances = pkg.examples.map((e) => e.instance);
    expect(await m.predict(instances)).toEqual(pkg.examples.map((e) => e.prediction));
  });

  it('answers concurrent predictions on one model each with its own rows', async () => {
    const m = await model(MODELS.breastCancer);
    const calls = Array.from({ length: 30 }, (_, i) => pkg.examples[i % pkg.examples.length]!);
    const answers = await Promise.all(calls.map((e) => m.predict([e.instance])));
    answers.forEach((answer, i) => expect(answer).toEqual([calls[i]!.prediction]));
  });

  it('rejects a missing feature, an unknown feature and a wrong type, naming each', async () => {
    const { [pkg.features[0]!.name]: _dropped, ...rest } = example;
    const issues = await issuesOf((await model(MODELS.breastCancer)).predict([{ ...rest, colour: 'red', [pkg.features[1]!.name]: '12.5' }]));
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: `instances[0].${pkg.features[0]!.name}`, message: 'missing feature' },
        { path: 'instances[0].colour', message: 'unknown feature' },
        { path: `instances[0].${pkg.features[1]!.name}`, message: 'expected a number, got the string "12.5"' },
      ]),
    );
    expect(issues).toHaveLength(3);
  });

  it('rejects a request with a NaN feature', async () => {
    const issues = await issuesOf((await model(MODELS.breastCancer)).predict([{ ...example, [pkg.features[2]!.name]: Number.NaN }]));
    expect(issues).toEqual([{ path: `instances[0].${pkg.features[2]!.name}`, message: 'must be a finite number, got NaN' }]);
  });

  it('rejects Infinity and null', async () => {
    const issues = await issuesOf(
      (await model(MODELS.breastCancer)).predict([{ ...example, [pkg.features[0]!.name]: Number.POSITIVE_INFINITY, [pkg.features[3]!.name]: null }]),
    );
    expect(issues.map((i) => i.message)).toEqual(['must be a finite number, got Infinity', 'must not be null']);
  });

  it('rejects an empty batch, a batch over the maximum and a non-array', async () => {
    const m = await model(MODELS.breastCancer);
    expect(await issuesOf(m.predict([]))).toEqual([{ path: 'instances', message: 'expected at least one instance' }]);
    expect(await issuesOf(m.predict(new Array(1001).fill(example)))).toEqual([
      { path: 'instances', message: 'batch of 1001 instances exceeds the maximum of 1000' },
    ]);
    expect(await issuesOf(m.predict({ instances: example }))).toEqual([{ path: 'instances', message: 'expected an array of instances' }]);
  });

  it('rejects an array of the wrong length and an instance that is neither object nor array', async () => {
    const issues = await issuesOf((await model(MODELS.breastCancer)).predict([[1, 2, 3], 'text']));
    expect(issues).toEqual([
      { path: 'instances[0]', message: `expected ${pkg.features.length} values in feature order, got 3` },
      { path: 'instances[1]', message: 'expected an object of named features or an array of values in feature order' },
    ]);
  });

  it('lists at most 100 problems and says how many more there are', async () => {
    const garbage = Array.from({ length: 10 }, () => Object.fromEntries(pkg.features.map((f) => [f.name, 'x'])));
    const issues = await issuesOf((await model(MODELS.breastCancer)).predict(garbage));
    expect(issues).toHaveLength(101);
    expect(issues.at(-1)).toEqual({ path: '', message: `${10 * pkg.features.length - 100} more problems not listed` });
  });
});

describe('Model.predict on other graph shapes', () => {
  it('maps a multiclass MLP softmax to the most probable of three labels', async () => {
    const pkg = readPackage(MODELS.wineMlp);
    const m = await model(MODELS.wineMlp);
    for (const { instance, prediction } of pkg.examples) expect(await m.predict([instance])).toEqual([prediction]);
    const [p] = (await m.predict([pkg.examples[0]!.instance])) as [{ label: string; probabilities: Record<string, number> }];
    expect(Object.keys(p.probabilities)).toHaveLength(3);
    expect(Math.max(...Object.values(p.probabilities))).toBe(p.probabilities[p.label]);
  });

  it('answers a regression tree ensemble with a finite value', async () => {
    const pkg = readPackage(MODELS.diabetesTrees);
    const m = await model(MODELS.diabetesTrees);
    for (const { instance, prediction } of pkg.examples) expect(await m.predict([instance])).toEqual([prediction]);
    const [p] = (await m.predict([pkg.examples[0]!.instance])) as [{ value: number }];
    expect(Number.isFinite(p.value)).toBe(true);
  });

  it('feeds a categorical string feature to its own graph input', async () => {
    const pkg = readPackage(MODELS.diabetesCategorical);
    const m = await model(MODELS.diabetesCategorical);
    expect(pkg.inputs.some((i) => i.type === 'string')).toBe(true);
    for (const { instance, prediction } of pkg.examples) expect(await m.predict([instance])).toEqual([prediction]);
  });

  it('answers differently when only the category changes', async () => {
    const pkg = readPackage(MODELS.diabetesCategorical);
    const feature = pkg.features.find((f) => f.type === 'categorical')!;
    if (feature.type !== 'categorical') throw new Error('fixture has no categorical feature');
    const m = await model(MODELS.diabetesCategorical);
    const base = pkg.examples[0]!.instance;
    const answers = await m.predict(feature.categories.map((c) => ({ ...base, [feature.name]: c })));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(feature.categories.length);
  });

  it('rejects an unknown category and a number where a category is expected', async () => {
    const pkg = readPackage(MODELS.diabetesCategorical);
    const feature = pkg.features.find((f) => f.type === 'categorical')!;
    const base = pkg.examples[0]!.instance;
    const issues = await issuesOf((await model(MODELS.diabetesCategorical)).predict([{ ...base, [feature.name]: 'unknown' }, { ...base, [feature.name]: 1 }]));
    expect(issues[0]!.path).toBe(`instances[0].${feature.name}`);
    expect(issues[0]!.message).toMatch(/^unknown category "unknown"; expected one of/);
    expect(issues[1]).toEqual({ path: `instances[1].${feature.name}`, message: 'expected a string, got number' });
  });

  it('rejects a value outside a range the model declares strict, and accepts the bounds', async () => {
    const pkg = readPackage(MODELS.diabetesCategorical);
    const strict = pkg.features.find((f) => f.type === 'numeric' && f.range?.strict);
    if (!strict || strict.type !== 'numeric' || !strict.range) throw new Error('fixture declares no strict range');
    const base = pkg.examples[0]!.instance;
    const m = await model(MODELS.diabetesCategorical);
    await expect(m.predict([{ ...base, [strict.name]: strict.range.min }, { ...base, [strict.name]: strict.range.max }])).resolves.toHaveLength(2);
    const issues = await issuesOf(m.predict([{ ...base, [strict.name]: strict.range.max + 1 }]));
    expect(issues).toEqual([
      { path: `instances[0].${strict.name}`, message: `${strict.range.max + 1} is outside the model's range [${strict.range.min}, ${strict.range.max}]` },
    ]);
  });

  it('refuses to answer NaN when values inside float32 push the model past float arithmetic, naming the instance', async () => {
    const pkg = readPackage(MODELS.wineMlp);
    const m = await model(MODELS.wineMlp);
    const good = pkg.examples[0]!.instance;
    const extreme = Object.fromEntries(pkg.features.map((f) => [f.name, 3.4e38]));
    expect(await issuesOf(m.predict([good, extreme, good]))).toEqual([{ path: 'instances[1]', message: NON_FINITE_ANSWER }]);
  });

  it('rejects a number too large for the model\'s float32 input, which would have become Infinity and a NaN answer', async () => {
    const pkg = readPackage(MODELS.breastCancer);
    const [first] = pkg.features;
    const m = await model(MODELS.breastCancer);
    const base = pkg.examples[0]!.instance;
    await expect(m.predict([{ ...base, [first!.name]: 3.4e38 }])).resolves.toHaveLength(1);
    for (const v of [1e39, -1e39]) {
      expect(await issuesOf(m.predict([{ ...base, [first!.name]: v }]))).toEqual([{ path: `instances[0].${first!.name}`, message: `${v} does not fit the model's float32 input` }]);
    }
  });
});
