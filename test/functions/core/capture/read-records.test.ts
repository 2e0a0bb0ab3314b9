import { describe, expect, it } from 'vitest';
import { readRecords } from '../../../../functions/core/capture/read-records.ts';
import { joinKey } from '../../../../functions/core/storage/location.ts';
import { workspace } from '../../../support/batch-job.ts';
import { SHADOW_PREFIX } from '../../../../functions/core/capture/capture-record.ts';

/** A capture root: one request record of the model, and the shadow record of the same request. */
async function captureRoot(where: 'local' | 's3') {
  const { base, location } = await workspace(where);
  const root = location(`${base}/captures`);
  const request = { requestId: 'r1', index: 0, model: 'm', version: '1.0.0', features: { x: 1 }, prediction: 0 };
  const shadow = { requestId: 'r1', model: 'm', version: '1.0.0', candidate: '2.0.0', rows: 1, predictions: [0], answers: [1] };
  await root.store.write(joinKey(root.key, 'm/1.0.0/dt=2026-11-23/hr=17/1-a.jsonl'), `${JSON.stringify(request)}\n`);
  await root.store.write(joinKey(root.key, `${SHADOW_PREFIX}m/1.0.0/2.0.0/dt=2026-11-23/hr=17/1-b.jsonl`), `${JSON.stringify(shadow)}\n`);
  return { root, location: (path: string) => location(`${base}/captures/${path}`) };
}

describe.each(['local', 's3'] as const)('readRecords over %s storage', (where) => {
  it('reads the request records of a capture root, not the shadow records under its _shadow/', async () => {
    const { root } = await captureRoot(where);
    const { records, skipped } = await readRecords(root, ['']);
    expect(records.map((r) => `${r.requestId} ${r.version}${r.candidate ? ` ${r.candidate}` : ''}`)).toEqual(['r1 1.0.0']);
    expect(skipped).toBe(0);
  });

  it('reads the shadow records when asked for _shadow/ by name, as a prefix or in the location', async () => {
    const { root, location } = await captureRoot(where);
    expect((await readRecords(root, [SHADOW_PREFIX])).records.map((r) => r.candidate)).toEqual(['2.0.0']);
    expect((await readRecords(location(`${SHADOW_PREFIX}m/`), [''])).records.map((r) => r.candidate)).toEqual(['2.0.0']);
  });
});
