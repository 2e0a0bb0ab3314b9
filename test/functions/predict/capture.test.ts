import type { APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { RequestCapture } from '../../../functions/core/capture/request-capture.ts';
import { ModelSet } from '../../../functions/core/model-set.ts';
import type { ObjectStore } from '../../../functions/core/storage/object-store.ts';
import { createHandler } from '../../../functions/predict/app.ts';
import { workspace } from '../../support/batch-job.ts';
import { lambdaContext, proxyEvent } from '../../support/events.ts';
import { MODELS, model, readPackage } from '../../support/models.ts';

const pkg = readPackage(MODELS.breastCancer);
const example = pkg.examples[0]!;

async function handlerWith(capture: RequestCapture) {
  const handler = createHandler(new ModelSet([await model(MODELS.breastCancer)]), { maxBodyBytes: 1 << 20, capture });
  return async (...args: Parameters<typeof proxyEvent>) => (await handler(proxyEvent(...args), lambdaContext())) as APIGatewayProxyResult;
}

describe('the predict handler with request capture', () => {
  it('captures sampled predictions from both protocols, with the request id', async () => {
    const { base, location } = await workspace('local');
    const { store, key } = location(`${base}/captures`);
    const capture = new RequestCapture({ store, prefix: key, sampleRate: 1 });
    const call = await handlerWith(capture);
    await call('POST', '/models/breast-cancer/predict', { body: { instances: [example.instance] } });
    const data = pkg.features.map((f) => example.instance[f.name]);
    await call('POST', '/v2/models/breast-cancer/infer', { body: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data }], outputs: [{ name: 'label' }] } });
    await capture.flush();
    const objects = await store.list(`${key}/`);
    const records = (await Promise.all(objects.map(async (o) => new TextDecoder().decode(await store.readBytes(o.key)).trim().split('\n')))).flat().map((l) => JSON.parse(l));
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(r).toMatchObject({ requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef', model: 'breast-cancer', version: '1.0.0', prediction: example.prediction });
      expect(r.features).toEqual(example.instance);
    }
  });

  it('captures nothing from a request that is not sampled, or that is rejected', async () => {
    const writes: string[] = [];
    const store = { write: async (k: string) => void writes.push(k) } as unknown as ObjectStore;
    const none = new RequestCapture({ store, prefix: 'c', sampleRate: 0 });
    await (await handlerWith(none))('POST', '/models/breast-cancer/predict', { body: { instances: [example.instance] } });
    await none.flush();
    const all = new RequestCapture({ store, prefix: 'c', sampleRate: 1 });
    await (await handlerWith(all))('POST', '/models/breast-cancer/predict', { body: { instances: [{}] } });
    await all.flush();
    expect(writes).toEqual([]);
  });

  it('answers without waiting for a capture upload, even one that never ends', async () => {
    const store = { write: () => new Promise<void>(() => {}) } as unknown as ObjectStore;
    const capture = new RequestCapture({ store, prefix: 'c', sampleRate: 1, maxRecords: 1 });
    const res = await (await handlerWith(capture))('POST', '/models/breast-cancer/predict', { body: { instances: [example.instance] } });
    expect(res.statusCode).toBe(200);
  });
});
