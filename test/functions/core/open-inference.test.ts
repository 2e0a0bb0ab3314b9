import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../functions/core/errors.ts';
import { infer, metadata } from '../../../functions/core/open-inference.ts';
import { NON_FINITE_ANSWER } from '../../../functions/core/predictions.ts';
import { MODELS, model, readPackage } from '../../support/models.ts';

const pkg = readPackage(MODELS.breastCancer);
const rows = pkg.examples.map((e) => pkg.features.map((f) => e.instance[f.name] as number));
const tensor = (data: unknown, shape: unknown = [rows.length, pkg.features.length]) => ({ name: pkg.inputs[0]!.name, datatype: 'FP32', shape, data });

/** The issues of the InvalidInputError a v2 request to `modelDir` fails with. */
const issuesOf = async (body: unknown, modelDir: string = MODELS.breastCancer) => {
  const error = await infer(await model(modelDir), body).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return (error as InvalidInputError).issues;
};

describe('Open Inference Protocol (KServe v2)', () => {
  it('describes the model: name, version, platform, input and output tensors', async () => {
    const meta = metadata(await model(MODELS.breastCancer));
    expect(meta).toMatchObject({ name: 'breast-cancer', versions: ['1.0.0'], platform: 'onnxruntime_onnx' });
    expect(meta.inputs).toEqual([{ name: pkg.inputs[0]!.name, datatype: 'FP32', shape: [-1, pkg.features.length] }]);
    expect(meta.outputs.map((o) => o.name)).toEqual(pkg.outputs.map((o) => o.name));
  });

  it('returns the same probabilities as predict, as a flat row-major tensor', async () => {
    const m = await model(MODELS.breastCancer);
    const response = await infer(m, { id: 'req-1', inputs: [tensor(rows.flat())] });
    expect(response).toMatchObject({ model_name: 'breast-cancer', model_version: '1.0.0', id: 'req-1' });
    const probabilities = response.outputs.find((o) => o.name === 'probabilities')!;
    expect(probabilities.shape).toEqual([rows.length, 2]);
    const labels = pkg.outputs[0]!.labels!;
    const expected = pkg.examples.flatMap((e) => labels.map((l) => (e.prediction as { probabilities: Record<string, number> }).probabilities[l]));
    expect(probabilities.data).toEqual(expected);
  });

  it('accepts nested data and returns only the requested outputs', async () => {
    const response = await infer(await model(MODELS.breastCancer), { inputs: [tensor(rows)], outputs: [{ name: 'probabilities' }] });
    expect(response.outputs.map((o) => o.name)).toEqual(['probabilities']);
  });

  it('rejects a wrong datatype, a wrong shape and an unknown output, naming each', async () => {
    const issues = await issuesOf({ inputs: [{ ...tensor(rows.flat(), [rows.length, 3]), datatype: 'INT64' }], outputs: [{ name: 'nope' }] });
    expect(issues).toEqual([
      { path: 'outputs[0].name', message: `unknown output; expected one of ${pkg.outputs.map((o) => o.name).join(', ')}` },
    ]);
    const shapeIssues = await issuesOf({ inputs: [{ ...tensor(rows.flat(), [rows.length, 3]), datatype: 'INT64' }] });
    expect(shapeIssues).toEqual([
      { path: 'inputs[0].datatype', message: 'expected FP32, got "INT64"' },
      { path: 'inputs[0].shape', message: `expected [rows, ${pkg.features.length}], got [${rows.length},3]` },
    ]);
  });

  it('rejects data whose length does not match the shape', async () => {
    expect(await issuesOf({ inputs: [tensor(rows.flat().slice(1))] })).toEqual([
      { path: 'inputs[0].data', message: `expected ${rows.flat().length} values for shape [${rows.length}, ${pkg.features.length}], got ${rows.flat().length - 1}` },
    ]);
  });

  it('rejects an unknown input, a missing input and a non-finite value with its feature and row', async () => {
    expect(await issuesOf({ inputs: [{ ...tensor(rows.flat()), name: 'x' }] })).toEqual([{ path: 'inputs[0].name', message: 'unknown input "x"' }]);
    expect(await issuesOf({ inputs: [] })).toEqual([{ path: 'inputs', message: `missing input "${pkg.inputs[0]!.name}"` }]);
    const data = rows.flat();
    data[pkg.features.length + 1] = Number.POSITIVE_INFINITY;
    expect(await issuesOf({ inputs: [tensor(data)] })).toEqual([
      { path: `inputs[0].data[${pkg.features.length + 1}]`, message: `${pkg.features[1]!.name} (row 1): must be a finite number, got Infinity` },
    ]);
  });

  it('refuses an answer of NaN instead of sending it as null, naming the row', async () => {
    const wine = readPackage(MODELS.wineMlp);
    const good = wine.features.map((f) => wine.examples[0]!.instance[f.name] as number);
    const body = { inputs: [{ name: wine.inputs[0]!.name, datatype: 'FP32', shape: [2, good.length], data: [...good, ...good.map(() => 3.4e38)] }] };
    expect(await issuesOf(body, MODELS.wineMlp)).toEqual([{ path: 'row 1', message: NON_FINITE_ANSWER }]);
  });

  it('rejects a body that is not an inference request', async () => {
    expect(await issuesOf([1, 2])).toEqual([{ path: '', message: 'expected a JSON object with "inputs"' }]);
    expect(await issuesOf({})).toEqual([{ path: 'inputs', message: 'expected an array of input tensors' }]);
  });

  it('feeds a string tensor to a model with a categorical input', async () => {
    const cat = readPackage(MODELS.diabetesCategorical);
    const m = await model(MODELS.diabetesCategorical);
    const example = cat.examples[0]!;
    const inputs = m.layout.inputs.map((input) => {
      const features = m.layout.slots.filter((s) => s.input === input).map((s) => example.instance[s.feature.name]);
      return { name: input.name, datatype: input.type === 'string' ? 'BYTES' : 'FP32', shape: [1, input.width], data: features };
    });
    const response = await infer(m, { inputs });
    expect(response.outputs[0]!.data).toEqual([(example.prediction as { value: number }).value]);
  });
});
