import { describe, expect, it } from 'vitest';
import { recentPartitions } from '../../../../functions/core/capture/capture-record.ts';
import { RequestCapture } from '../../../../functions/core/capture/request-capture.ts';
import type { ObjectStore } from '../../../../functions/core/storage/object-store.ts';
import { workspace } from '../../../support/batch-job.ts';
import { MODELS, model, readPackage } from '../../../support/models.ts';

const pkg = readPackage(MODELS.breastCancer);
const instance = pkg.examples[0]!.instance;
const prediction = pkg.examples[0]!.prediction;
const AT = Date.parse('2026-11-23T17:59:30.000Z');

async function captured(store: ObjectStore, prefix: string) {
  const listed = await store.list(prefix);
  const lines = await Promise.all(listed.map(async (o) => new TextDecoder().decode(await store.readBytes(o.key)).trim().split('\n').map((l) => JSON.parse(l))));
  return { keys: listed.map((o) => o.key.slice(prefix.length)), records: lines.flat() };
}

describe.each(['local', 's3'] as const)('request capture over %s storage', (where) => {
  it('keeps the allow-listed inputs, the prediction and the request id, in hourly partitions', async () => {
    const { base, location } = await workspace(where);
    const { store, key } = location(`${base}/captures`);
    const capture = new RequestCapture({ store, prefix: key, sampleRate: 1, features: ['mean_radius', 'worst_area'], now: () => AT });
    const m = await model(MODELS.breastCancer);
    capture.add(m, 'req-1', [instance, pkg.features.map((f) => instance[f.name])], [prediction, prediction]);
    await capture.flush();
    const { keys, records } = await captured(store, `${key}/`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^breast-cancer\/1\.0\.0\/dt=2026-11-23\/hr=17\/\d+-[0-9a-f-]+\.jsonl$/);
    expect(records).toEqual([
      { ts: '2026-11-23T17:59:30.000Z', requestId: 'req-1', index: 0, model: 'breast-cancer', version: '1.0.0', features: { mean_radius: instance.mean_radius, worst_area: instance.worst_area }, prediction },
      { ts: '2026-11-23T17:59:30.000Z', requestId: 'req-1', index: 1, model: 'breast-cancer', version: '1.0.0', features: { mean_radius: instance.mean_radius, worst_area: instance.worst_area }, prediction },
    ]);
  });

  it('keeps a shadow outcome apart from the captures, under _shadow/<model>/<version>/<candidate>/', async () => {
    const { base, location } = await workspace(where);
    const { store, key } = location(`${base}/captures`);
    const capture = new RequestCapture({ store, prefix: key, sampleRate: 1, now: () => AT });
    const primary = await model(MODELS.breastCancer);
    const candidate = { ...primary, version: '1.1.0' } as typeof primary;
    const mirrored = { primary, candidate, instances: [instance], predictions: [prediction as never], primaryLatencyMs: 0.5, latencyMs: 0.75 };
    capture.addShadow('req-1', { ...mirrored, answers: [{ label: 'benign' }] });
    capture.addShadow('req-2', { ...mirrored, error: new Error('session released') });
    await capture.flush();
    const { keys, records } = await captured(store, `${key}/`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^_shadow\/breast-cancer\/1\.0\.0\/1\.1\.0\/dt=2026-11-23\/hr=17\/\d+-[0-9a-f-]+\.jsonl$/);
    const common = { ts: '2026-11-23T17:59:30.000Z', model: 'breast-cancer', version: '1.0.0', candidate: '1.1.0', rows: 1, latencyMs: { primary: 0.5, candidate: 0.75 }, predictions: [prediction] };
    expect(records).toEqual([
      { ...common, requestId: 'req-1', answers: [{ label: 'benign' }] },
      { ...common, requestId: 'req-2', error: 'session released' },
    ]);
  });

  it('uploads when the buffer is full or old, not before', async () => {
    const { base, location } = await workspace(where);
    const { store, key } = location(`${base}/captures`);
    let now = AT;
    const capture = new RequestCapture({ store, prefix: key, sampleRate: 1, maxRecords: 3, maxAgeMs: 60_000, now: () => now });
    const m = await model(MODELS.breastCancer);
    capture.add(m, 'a', [instance, instance], [prediction, prediction]);
    expect(capture.flushIfDue()).toBeUndefined();
    capture.add(m, 'b', [instance], [prediction]);
    await capture.flushIfDue();
    expect((await captured(store, `${key}/`)).records).toHaveLength(3);
    capture.add(m, 'c', [instance], [prediction]);
    now += 59_000;
    expect(capture.flushIfDue()).toBeUndefined();
    now += 1_000;
    await capture.flushIfDue();
    expect((await captured(store, `${key}/`)).records.map((r) => r.requestId)).toEqual(expect.arrayContaining(['a', 'b', 'c']));
  });
});

describe('request capture', () => {
  it('keeps a per-model allow-list, and every feature of a model it does not list', async () => {
    const bodies: string[] = [];
    const store = { write: async (_: string, body: string) => void bodies.push(body) } as unknown as ObjectStore;
    const m = await model(MODELS.breastCancer);
    for (const features of [{ 'breast-cancer': ['mean_radius'] }, { other: ['x'] }] as Record<string, string[]>[]) {
      const capture = new RequestCapture({ store, prefix: 'c', sampleRate: 1, features });
      capture.add(m, 'r', [instance], [prediction]);
      await capture.flush();
    }
    expect(bodies.map((b) => Object.keys(JSON.parse(b).features).length)).toEqual([1, 30]);
  });

  it('samples about the configured share of requests', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const capture = new RequestCapture({ store: {} as ObjectStore, prefix: '', sampleRate: 0.1, random });
    const sampled = Array.from({ length: 100_000 }, () => capture.sample()).filter(Boolean).length;
    expect(sampled).toBeGreaterThan(9_700);
    expect(sampled).toBeLessThan(10_300);
  });

  it('reports a failed upload with the records it lost, and throws nothing', async () => {
    const failures: [string, number][] = [];
    const store = { write: () => Promise.reject(new Error('AccessDenied')) } as unknown as ObjectStore;
    const capture = new RequestCapture({ store, prefix: 'c', sampleRate: 1, onError: (e, n) => failures.push([e.message, n]) });
    capture.add(await model(MODELS.breastCancer), 'r', [instance, instance], [prediction, prediction]);
    await capture.flush();
    expect(failures).toEqual([['AccessDenied', 2]]);
  });

  it('lists the partitions of a time window, oldest first', () => {
    expect(recentPartitions('m', '1.0.0', new Date('2026-11-24T01:10:00Z'), 3)).toEqual([
      'm/1.0.0/dt=2026-11-23/hr=23/',
      'm/1.0.0/dt=2026-11-24/hr=00/',
      'm/1.0.0/dt=2026-11-24/hr=01/',
    ]);
  });
});
