import { beforeAll, describe, expect, it } from 'vitest';
import { RequestCapture } from '../../../functions/core/capture/request-capture.ts';
import { runDriftJob } from '../../../functions/core/drift/drift-job.ts';
import { DriftReport } from '../../../functions/core/drift/drift-report.ts';
import { openLocation } from '../../../functions/core/storage/location.ts';
import { generateCsv } from '../../support/batch-data.ts';
import { createBucket, motoS3, useMotoEnvironment } from '../../support/s3.ts';
import { MODELS, model } from '../../support/models.ts';

let handler: (event: unknown, context: unknown) => Promise<{ drift: boolean; rows: number; report?: string }>;
let bucket: string;

/** Captures the shipped data rows (twice over) as live traffic, `mean_radius` scaled by `scale`. */
async function captureTraffic(prefix: string, scale: number) {
  const m = await model(MODELS.breastCancer);
  const capture = new RequestCapture({ store: openLocation(`s3://${bucket}`, { s3: motoS3() }).store, prefix, sampleRate: 1 });
  const data = generateCsv(1138);
  const instances = data.goodIds.map((id) => {
    const row = data.instances.get(id)!;
    return { ...row, mean_radius: row.mean_radius! * scale };
  });
  for (let i = 0; i < instances.length; i += 1000) capture.add(m, `r${i}`, instances.slice(i, i + 1000), await m.predict(instances.slice(i, i + 1000)));
  await capture.flush();
}

beforeAll(async () => {
  bucket = await createBucket(motoS3(), 'monitoring-drift');
  await captureTraffic('captures', 1);
  useMotoEnvironment({
    MODELS: JSON.stringify([MODELS.breastCancer]),
    CAPTURE_URI: `s3://${bucket}/captures`,
    REPORTS_URI: `s3://${bucket}/reports`,
  });
  ({ handler } = (await import('../../../functions/monitoring/drift-job.ts')) as never);
});

describe('the drift job (moto S3)', () => {
  it('finds no drift in traffic like the training data, and writes its report as JSON and HTML', async () => {
    expect(await handler({ model: 'breast-cancer', windowHours: 2 }, {})).toMatchObject({ drift: false, rows: 1138 });
    const reports = openLocation(`s3://${bucket}/reports`, { s3: motoS3() });
    const keys = (await reports.store.list('reports/breast-cancer/1.0.0/')).map((o) => o.key);
    expect(keys.map((k) => k.slice(k.lastIndexOf('.')))).toEqual(['.html', '.json']);
    const report = DriftReport.parse(JSON.parse(new TextDecoder().decode(await reports.store.readBytes(keys[1]!))));
    expect(report.features).toHaveLength(30);
    expect(report.features.filter((f) => f.drift)).toEqual([]);
    expect(new TextDecoder().decode(await reports.store.readBytes(keys[0]!))).toContain('<svg');
  });

  it('flags the feature that shifted, first', async () => {
    await captureTraffic('shifted', 1.3);
    const m = await model(MODELS.breastCancer);
    const result = await runDriftJob({
      pkg: m.pkg,
      capture: openLocation(`s3://${bucket}/shifted`, { s3: motoS3() }),
      reports: openLocation(`s3://${bucket}/reports-shifted`, { s3: motoS3() }),
      windowHours: 2,
    });
    expect(result!.report.drift).toBe(true);
    expect(result!.report.features[0]).toMatchObject({ name: 'mean_radius', drift: true });
  });

  it('writes no report when nothing was captured in the window', async () => {
    const m = await model(MODELS.breastCancer);
    const empty = await runDriftJob({ pkg: m.pkg, capture: openLocation(`s3://${bucket}/nothing`, { s3: motoS3() }), reports: openLocation(`s3://${bucket}/r`, { s3: motoS3() }), windowHours: 2 });
    expect(empty).toBeUndefined();
  });
});
