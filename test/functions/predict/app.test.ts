import { beforeAll, describe, expect, it } from 'vitest';
import { MODELS, readPackage } from '../../support/models.ts';
import { testHandler } from '../../support/app.ts';

const pkg = readPackage(MODELS.breastCancer);
const example = pkg.examples[0]!;
let call: Awaited<ReturnType<typeof testHandler>>;

beforeAll(async () => {
  call = await testHandler();
});

describe('predict handler behind API Gateway (REST proxy events)', () => {
  it('answers GET /health with ok', async () => {
    const res = await call('GET', '/health');
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
    expect(res.headers).toMatchObject({ 'Content-Type': 'application/json' });
  });

  it('lists the served models with name, version and task', async () => {
    const res = await call('GET', '/models');
    expect(res.json.models).toContainEqual({ name: 'breast-cancer', version: '1.0.0', task: 'binary-classification' });
    expect(res.json.models).toHaveLength(3);
  });

  it('serves the model card with features, outputs, metrics and examples', async () => {
    const res = await call('GET', '/models/breast-cancer');
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ version: '1.0.0', features: pkg.features, outputs: pkg.outputs, metrics: pkg.metrics, examples: pkg.examples });
  });

  it('returns examples[0].prediction for examples[0].instance', async () => {
    const res = await call('POST', '/models/breast-cancer/predict', { body: { instances: [example.instance] } });
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({ model: { name: 'breast-cancer', version: '1.0.0' }, predictions: [example.prediction] });
  });

  it('reads a base64-encoded body', async () => {
    const res = await call('POST', '/models/breast-cancer/predict', { body: { instances: [example.instance] }, base64: true });
    expect(res.json.predictions).toEqual([example.prediction]);
  });

  it('serves KServe v2 metadata and inference', async () => {
    expect((await call('GET', '/v2/models/breast-cancer')).json).toMatchObject({ name: 'breast-cancer', versions: ['1.0.0'] });
    const data = pkg.features.map((f) => example.instance[f.name]);
    const res = await call('POST', '/v2/models/breast-cancer/infer', { body: { inputs: [{ name: pkg.inputs[0]!.name, datatype: 'FP32', shape: [1, data.length], data }] } });
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ model_name: 'breast-cancer', model_version: '1.0.0' });
    expect((await call('GET', '/v2/health/ready')).json).toEqual({ ready: true });
  });
});

describe('predict handler on bad input', () => {
  it('rejects a request with a NaN feature spelled as 1e999 (JSON Infinity), naming the feature', async () => {
    const name = pkg.features[0]!.name;
    const body = JSON.stringify({ instances: [example.instance] }).replace(`"${name}":${example.instance[name]}`, `"${name}":1e999`);
    const res = await call('POST', '/models/breast-cancer/predict', { body });
    expect(res.statusCode).toBe(400);
    expect(res.json).toEqual({ error: 'invalid instances', issues: [{ path: `instances[0].${name}`, message: 'must be a finite number, got Infinity' }] });
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await call('POST', '/models/breast-cancer/predict', { body: '{"instances": [' });
    expect(res.statusCode).toBe(400);
    expect(res.json.error).toBe('malformed JSON');
    expect(res.json.issues).toHaveLength(1);
  });

  it('rejects an empty body, a body without instances and unknown top-level fields', async () => {
    expect((await call('POST', '/models/breast-cancer/predict', { body: '' , headers: { 'content-type': 'application/json' } })).json).toEqual({
      error: 'empty body',
      issues: [{ path: '', message: 'expected a JSON object' }],
    });
    const res = await call('POST', '/models/breast-cancer/predict', { body: { rows: [] } });
    expect(res.statusCode).toBe(400);
    expect(res.json.issues).toEqual([
      { path: 'rows', message: 'unknown field; expected only "instances"' },
      { path: 'instances', message: 'required' },
    ]);
  });

  it('answers 404 for an unknown model, listing the served ones', async () => {
    const res = await call('POST', '/models/nope/predict', { body: { instances: [example.instance] } });
    expect(res.statusCode).toBe(404);
    expect(res.json.error).toBe('unknown model "nope"');
    expect(res.json.issues).toEqual([{ path: 'name', message: 'served models: breast-cancer, wine-mlp, diabetes-categorical' }]);
  });

  it('answers 404 for an unknown route and 405 with Allow for a wrong method', async () => {
    expect((await call('GET', '/nowhere')).statusCode).toBe(404);
    const res = await call('GET', '/models/breast-cancer/predict');
    expect(res.statusCode).toBe(405);
    expect(res.headers).toMatchObject({ Allow: 'POST' });
    expect(res.json.error).toBe('method GET not allowed on /models/breast-cancer/predict');
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await call('POST', '/models/breast-cancer/predict', { body: 'a=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(res.statusCode).toBe(415);
    expect(res.json.error).toMatch(/expected Content-Type: application\/json/);
  });

  it('accepts a JSON content type with a charset in any case', async () => {
    const res = await call('POST', '/models/breast-cancer/predict', { body: { instances: [example.instance] }, headers: { 'content-type': 'Application/JSON; charset=utf-8' } });
    expect(res.statusCode).toBe(200);
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await call('POST', '/models/breast-cancer/predict', { body: { instances: new Array(2000).fill(example.instance) } });
    expect(res.statusCode).toBe(413);
    expect(res.json.error).toBe('body exceeds the limit of 65536 bytes');
  });
});
