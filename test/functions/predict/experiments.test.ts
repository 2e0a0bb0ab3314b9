import type { APIGatewayProxyResult } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../../functions/core/load.ts';
import { ModelSet } from '../../../functions/core/model-set.ts';
import { createHandler } from '../../../functions/predict/app.ts';
import { lambdaContext, proxyEvent } from '../../support/events.ts';
import { MODELS, ROOT, model, readPackage } from '../../support/models.ts';

const candidateDir = `${ROOT}/models/breast-cancer/1.1.0`;
const example = readPackage(MODELS.breastCancer).examples[0]!;
let models: ModelSet;

beforeAll(async () => {
  models = new ModelSet([await model(MODELS.breastCancer), await loadModel(candidateDir)]);
});

const caller = (experiments: Parameters<typeof createHandler>[1]['experiments']) => {
  const handler = createHandler(models, { maxBodyBytes: 1 << 20, experiments });
  return async (user?: string) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(user ? { 'X-User-Id': user } : {}) };
    const res = (await handler(proxyEvent('POST', '/models/breast-cancer/predict', { body: { instances: [example.instance] }, headers }), lambdaContext())) as APIGatewayProxyResult;
    return { status: res.statusCode, variant: res.headers!['X-Model-Version'], body: JSON.parse(res.body) };
  };
};

describe('A/B split in the predict handler', () => {
  it('serves each caller one variant, sticky by x-user-id, and names it in the header and the body', async () => {
    const call = caller({ 'breast-cancer': { weights: { '1.0.0': 50, '1.1.0': 50 }, stickyHeader: 'x-user-id' } });
    const seen = new Map<string, string>();
    for (let i = 0; i < 400; i++) {
      const res = await call(`user-${i}`);
      expect(res.status).toBe(200);
      expect(res.body.model.version).toBe(res.variant);
      seen.set(`user-${i}`, res.variant as string);
    }
    for (let i = 0; i < 400; i += 7) expect((await call(`user-${i}`)).variant).toBe(seen.get(`user-${i}`));
    const treated = [...seen.values()].filter((v) => v === '1.1.0').length;
    expect(treated).toBeGreaterThan(150);
    expect(treated).toBeLessThan(250);
  });

  it('answers with the version a request pins in X-Model-Version, and 404 for a version not served', async () => {
    const handler = createHandler(models, { maxBodyBytes: 1 << 20, experiments: { 'breast-cancer': { weights: { '1.0.0': 99, '1.1.0': 1 }, stickyHeader: 'x-user-id' } } });
    const pinned = async (version: string) =>
      (await handler(proxyEvent('POST', '/models/breast-cancer/predict', { body: { instances: [example.instance] }, headers: { 'Content-Type': 'application/json', 'X-Model-Version': version } }), lambdaContext())) as APIGatewayProxyResult;
    for (let i = 0; i < 20; i++) expect((await pinned('1.1.0')).headers!['X-Model-Version']).toBe('1.1.0');
    const missing = await pinned('9.9.9');
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: 'version 9.9.9 of model "breast-cancer" is not served', issues: [{ path: 'X-Model-Version', message: 'served versions: 1.0.0, 1.1.0' }] });
  });

  it('serves the primary version when the model has no experiment', async () => {
    const res = await caller({})('user-1');
    expect(res.variant).toBe('1.0.0');
    expect(res.body.predictions).toEqual([example.prediction]);
  });

  it('refuses at init an experiment naming a version that is not served', () => {
    expect(() => createHandler(models, { maxBodyBytes: 1 << 20, experiments: { 'breast-cancer': { weights: { '1.0.0': 1, '9.9.9': 1 }, stickyHeader: 'x-user-id' } } })).toThrow(
      'EXPERIMENTS.breast-cancer: version 9.9.9 of breast-cancer is not served',
    );
    expect(() => createHandler(models, { maxBodyBytes: 1 << 20, experiments: { nope: { stickyHeader: 'x-user-id' } } })).toThrow('EXPERIMENTS.nope: model "nope" is not served');
  });

  it('answers the primary unchanged while a shadow version scores a mirror of the request', async () => {
    const call = caller({ 'breast-cancer': { stickyHeader: 'x-user-id', shadow: '1.1.0' } });
    const res = await call('user-1');
    expect(res).toMatchObject({ status: 200, variant: '1.0.0' });
    expect(res.body.predictions).toEqual([example.prediction]);
  });

  it('answers before a slow shadow has finished, and the same whether the shadow answers or not', async () => {
    const candidate = await loadModel(candidateDir);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let shadowed = false;
    const slow = Object.assign(Object.create(candidate) as typeof candidate, {
      predict: async (instances: readonly unknown[]) => {
        await gate;
        shadowed = true;
        return candidate.predict(instances);
      },
    });
    const handler = createHandler(new ModelSet([models.get('breast-cancer')!, slow]), { maxBodyBytes: 1 << 20, experiments: { 'breast-cancer': { stickyHeader: 'x-user-id', shadow: '1.1.0' } } });
    const res = (await handler(proxyEvent('POST', '/models/breast-cancer/predict', { body: { instances: [example.instance] } }), lambdaContext())) as APIGatewayProxyResult;
    expect(shadowed).toBe(false);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).predictions).toEqual([example.prediction]);
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(shadowed).toBe(true);
  });

  it('answers a version asked for by name on the v2 protocol, whatever the split, and lists every served version', async () => {
    const handler = createHandler(models, { maxBodyBytes: 1 << 20, experiments: { 'breast-cancer': { weights: { '1.0.0': 99, '1.1.0': 1 }, stickyHeader: 'x-user-id' } } });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = (await handler(proxyEvent(method, path, body === undefined ? {} : { body }), lambdaContext())) as APIGatewayProxyResult;
      return { status: res.statusCode, json: JSON.parse(res.body) };
    };
    expect((await call('GET', '/v2/models/breast-cancer')).json.versions).toEqual(['1.0.0', '1.1.0']);
    expect((await call('GET', '/v2/models/breast-cancer/versions/1.1.0')).json).toMatchObject({ name: 'breast-cancer', versions: ['1.0.0', '1.1.0'] });
    expect((await call('GET', '/v2/models/breast-cancer/versions/1.1.0/ready')).json).toEqual({ name: 'breast-cancer', version: '1.1.0', ready: true });
    const pkg = readPackage(MODELS.breastCancer);
    const data = pkg.features.map((f) => example.instance[f.name]);
    const inputs = [{ name: pkg.inputs[0]!.name, datatype: 'FP32', shape: [1, data.length], data }];
    for (let i = 0; i < 5; i++) expect((await call('POST', '/v2/models/breast-cancer/versions/1.1.0/infer', { inputs })).json).toMatchObject({ model_name: 'breast-cancer', model_version: '1.1.0' });
    expect(await call('POST', '/v2/models/breast-cancer/versions/9.9.9/infer', { inputs })).toEqual({
      status: 404,
      json: { error: 'model "breast-cancer" has no served version "9.9.9"', issues: [{ path: 'version', message: 'served versions: 1.0.0, 1.1.0' }] },
    });
    expect((await call('GET', '/v2/models/nope/versions/1.0.0')).status).toBe(404);
  });
});

