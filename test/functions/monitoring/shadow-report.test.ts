import { beforeAll, describe, expect, it } from 'vitest';
import { RequestCapture } from '../../../functions/core/capture/request-capture.ts';
import { runShadowJob } from '../../../functions/core/compare/shadow-job.ts';
import { loadModel } from '../../../functions/core/load.ts';
import type { Model } from '../../../functions/core/model.ts';
import { openLocation } from '../../../functions/core/storage/location.ts';
import { generateCsv } from '../../support/batch-data.ts';
import { MODELS, ROOT, model } from '../../support/models.ts';
import { createBucket, motoS3, useMotoEnvironment } from '../../support/s3.ts';

let handler: (event: unknown, context: unknown) => Promise<{ requests: number; errors?: number; agreement?: number; report?: string }>;
let bucket: string;
let primary: Model;
let candidate: Model;
const HOUR = 3_600_000;

/** `count` mirrored requests of 3 rows each, captured as the predict function would, at `at`. */
async function mirror(prefix: string, at: number, count: number) {
  const capture = new RequestCapture({ store: openLocation(`s3://${bucket}`, { s3: motoS3() }).store, prefix, sampleRate: 1, now: () => at });
  const instances = [...generateCsv(count * 3).instances.values()];
  for (let i = 0; i < count; i++) {
    const rows = instances.slice(i * 3, i * 3 + 3);
    const [predictions, answers] = await Promise.all([primary.predict(rows), candidate.predict(rows)]);
    capture.addShadow(`req-${at}-${i}`, { primary, candidate, instances: rows, predictions, answers, primaryLatencyMs: 0.1, latencyMs: 0.2 });
  }
  await capture.flush();
}

beforeAll(async () => {
  primary = await model(MODELS.breastCancer);
  candidate = await loadModel(`${ROOT}/models/breast-cancer/1.1.0`);
  bucket = await createBucket(motoS3(), 'monitoring-shadow');
  await mirror('captures', Date.now(), 30);
  useMotoEnvironment({ CAPTURE_URI: `s3://${bucket}/captures`, REPORTS_URI: `s3://${bucket}/reports` });
  ({ handler } = (await import('../../../functions/monitoring/shadow-report.ts')) as never);
});

describe('the shadow report job (moto S3)', () => {
  it("writes the pair's report as JSON and HTML beside the model's drift reports", async () => {
    const result = await handler({ model: 'breast-cancer', version: '1.0.0', candidate: '1.1.0', windowHours: 2 }, {});
    expect(result).toMatchObject({ requests: 30, errors: 0 });
    expect(result.agreement).toBeGreaterThan(0.9);
    const reports = openLocation(`s3://${bucket}/reports`, { s3: motoS3() });
    const keys = (await reports.store.list('reports/breast-cancer/1.0.0/shadow-1.1.0/')).map((o) => o.key);
    expect(keys.map((k) => k.slice(k.lastIndexOf('.')))).toEqual(['.html', '.json']);
    const json = JSON.parse(new TextDecoder().decode(await reports.store.readBytes(keys[1]!)));
    expect(json).toMatchObject({ model: 'breast-cancer', version: '1.0.0', candidate: '1.1.0', requests: 30, skipped: 0 });
    expect(json.latencySamples).toBeUndefined();
    expect(new TextDecoder().decode(await reports.store.readBytes(keys[0]!))).toContain('breast-cancer: primary 1.0.0, shadow 1.1.0');
  });

  it('reads only its window, and writes nothing when the window holds no shadow record', async () => {
    const now = Date.parse('2026-11-30T12:30:00Z');
    await mirror('windowed', now - 5 * HOUR, 4);
    await mirror('windowed', now - HOUR, 6);
    const at = (hours: number) =>
      runShadowJob({
        model: 'breast-cancer',
        version: '1.0.0',
        candidate: '1.1.0',
        capture: openLocation(`s3://${bucket}/windowed`, { s3: motoS3() }),
        reports: openLocation(`s3://${bucket}/windowed-reports`, { s3: motoS3() }),
        windowHours: hours,
        now: new Date(now),
      });
    const written = async (prefix: string) => (await openLocation(`s3://${bucket}`, { s3: motoS3() }).store.list(prefix)).length;
    // The last hour (12:00-12:59) holds no record: the newest are from 11:30.
    expect(await at(1)).toBeUndefined();
    expect(await written('windowed-reports/')).toBe(0);
    expect((await at(2))!.report.requests).toBe(6);
    expect((await at(6))!.report.requests).toBe(10);
    // Both runs are stamped with the same time: the second report replaces the first.
    expect(await written('windowed-reports/')).toBe(2);
    expect(await handler({ model: 'breast-cancer', version: '1.0.0', candidate: '9.9.9', windowHours: 2 }, {})).toEqual({ requests: 0 });
    expect(await written('reports/breast-cancer/1.0.0/shadow-9.9.9/')).toBe(0);
  });
});
