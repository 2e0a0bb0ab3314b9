import { beforeAll, describe, expect, it } from 'vitest';
import { RequestCapture } from '../../../functions/core/capture/request-capture.ts';
import { openLocation } from '../../../functions/core/storage/location.ts';
import { createBucket, motoS3, useMotoEnvironment } from '../../support/s3.ts';
import { MODELS, model, readPackage } from '../../support/models.ts';

const pkg = readPackage(MODELS.breastCancer);
let handler: (event: unknown, context: unknown) => Promise<{ labeledRows: number; metrics: Record<string, number>; capturedRows: number }>;

beforeAll(async () => {
  const s3 = motoS3();
  const bucket = await createBucket(s3, 'monitoring-labels');
  const capture = new RequestCapture({ ...openLocation(`s3://${bucket}/captures`, { s3 }), prefix: 'captures', sampleRate: 1 });
  const m = await model(MODELS.breastCancer);
  pkg.examples.forEach((e, i) => capture.add(m, `req-${i}`, [e.instance], [e.prediction]));
  await capture.flush();
  // Labels: the truth for every example, one of them contradicting the model.
  const labels = pkg.examples.map((e, i) => ({ requestId: `req-${i}`, label: i === 0 ? 'benign' : (e.prediction as { label: string }).label }));
  await openLocation(`s3://${bucket}/labels`, { s3 }).store.write('labels/breast-cancer/2026-11-23.jsonl', labels.map((l) => JSON.stringify(l)).join('\n'));
  useMotoEnvironment({
    MODELS: JSON.stringify([MODELS.breastCancer]),
    CAPTURE_URI: `s3://${bucket}/captures`,
    LABELS_URI: `s3://${bucket}/labels`,
  });
  ({ handler } = (await import('../../../functions/monitoring/label-quality.ts')) as never);
});

describe('the label-quality job (moto S3)', () => {
  it('joins the labels that arrived to the captured predictions of the window and reports live accuracy', async () => {
    const result = await handler({ model: 'breast-cancer', windowHours: 2 }, {});
    expect(result.capturedRows).toBe(pkg.examples.length);
    expect(result.labeledRows).toBe(pkg.examples.length);
    const wrong = (pkg.examples[0]!.prediction as { label: string }).label === 'benign' ? 0 : 1;
    expect(result.metrics.LiveAccuracy).toBeCloseTo(1 - wrong / pkg.examples.length, 10);
  });

  it('refuses a model it does not serve, naming the ones it does', async () => {
    await expect(handler({ model: 'nope' }, {})).rejects.toThrow('model "nope" is not served by this function (it serves breast-cancer)');
  });
});
