import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelSet } from '../../functions/core/model-set.ts';
import { createHandler } from '../../functions/predict/app.ts';
import { createLocalApi } from '../../local/api-gateway-server.ts';
import { MODELS, model, readPackage } from '../support/models.ts';

const pkg = readPackage(MODELS.breastCancer);
let base: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const handler = createHandler(new ModelSet([await model(MODELS.breastCancer)]), { maxBodyBytes: 1024 * 1024 });
  const server = createLocalApi(handler, { maxPayloadBytes: 2 * 1024 * 1024 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});
afterAll(() => close());

const post = (path: string, body: string, type = 'application/json') => fetch(`${base}${path}`, { method: 'POST', body, headers: { 'Content-Type': type } });

describe('local server over real HTTP', () => {
  it('returns examples[0].prediction for examples[0].instance', async () => {
    const res = await post('/models/breast-cancer/predict', JSON.stringify({ instances: [pkg.examples[0]!.instance] }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ model: { name: 'breast-cancer', version: '1.0.0' }, predictions: [pkg.examples[0]!.prediction] });
  });

  it('gives the same 4xx answers as the handler', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/models/breast-cancer/predict`)).status).toBe(405);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await post('/models/breast-cancer/predict', 'x', 'text/plain')).status).toBe(415);
    const bad = await post('/models/breast-cancer/predict', '{"instances": [{"mean_radius": 1e999}]}');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: { path: string }[] }).issues).toContainEqual({ path: 'instances[0].mean_radius', message: 'must be a finite number, got Infinity' });
  });

  it('answers 413 for a body over the handler limit and over the gateway limit', async () => {
    expect((await post('/models/breast-cancer/predict', `{"instances": [${'0,'.repeat(600_000)}0]}`)).status).toBe(413);
    const huge = await post('/models/breast-cancer/predict', 'x'.repeat(3 * 1024 * 1024));
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: string }).error).toMatch(/payload limit/);
  });

  it('answers concurrent requests each with its own rows', async () => {
    const answers = await Promise.all(
      pkg.examples.flatMap((e) => Array.from({ length: 10 }, () => post('/models/breast-cancer/predict', JSON.stringify({ instances: [e.instance] })).then((r) => r.json()))),
    );
    answers.forEach((a, i) => expect((a as { predictions: unknown[] }).predictions).toEqual([pkg.examples[Math.floor(i / 10)]!.prediction]));
  });
});
