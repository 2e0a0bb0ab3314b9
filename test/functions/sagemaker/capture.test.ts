import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InvokeEndpointCommand,
  SageMakerRuntimeClient,
  type SageMakerRuntimeClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-sagemaker-runtime';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestCapture } from '../../../functions/core/capture/request-capture.ts';
import { ModelSet } from '../../../functions/core/model-set.ts';
import { parsePackage } from '../../../functions/core/package-file.ts';
import type { Prediction } from '../../../functions/core/predictions.ts';
import { EndpointModel } from '../../../functions/core/sagemaker/served.ts';
import { openLocation } from '../../../functions/core/storage/location.ts';
import { createHandler } from '../../../functions/predict/app.ts';
import { createInvokeHandler } from '../../../functions/sagemaker/app.ts';
import { generateCsv } from '../../support/batch-data.ts';
import { lambdaContext, proxyEvent } from '../../support/events.ts';
import { MODELS, model } from '../../support/models.ts';
import { createBucket, motoS3, useMotoEnvironment } from '../../support/s3.ts';

const MODEL_JSON = new URL('../../../examples/models/tumor-ensemble/1.0.0/model.json', import.meta.url).pathname;
const pkg = parsePackage(readFileSync(MODEL_JSON, 'utf8'), MODEL_JSON);
const instances = [...generateCsv(300).instances.values()];
const REQUEST_ID = proxyEvent('GET', '/').requestContext.requestId;

type Handler = (event: unknown, context: unknown) => Promise<Record<string, unknown>>;
let bucket: string;
let runtime: AwsStub<ServiceInputTypes, ServiceOutputTypes, SageMakerRuntimeClientResolvedConfig>;
let variant = 'primary';

/** Every captured record under a prefix of the bucket. */
async function records(prefix: string): Promise<Record<string, unknown>[]> {
  const { store } = openLocation(`s3://${bucket}`, { s3: motoS3() });
  const objects = await store.list(`${prefix}/`);
  const texts = await Promise.all(objects.map(async (o) => new TextDecoder().decode(await store.readBytes(o.key))));
  return texts.flatMap((t) => t.trim().split('\n')).map((l) => JSON.parse(l));
}

const captureTo = (prefix: string) => new RequestCapture({ store: openLocation(`s3://${bucket}`, { s3: motoS3() }).store, prefix, sampleRate: 1 });

function invokeHandler(capture: RequestCapture) {
  const endpoint = new EndpointModel(pkg, 'tumor-ensemble', new SageMakerRuntimeClient({ region: 'us-east-1' }), 5000, 1000);
  const handler = createInvokeHandler([endpoint], { maxBodyBytes: 4 << 20, capture });
  return async (method: string, path: string, body: unknown) => (await handler(proxyEvent(method, path, { body }), lambdaContext())) as APIGatewayProxyResult;
}

beforeAll(async () => {
  bucket = await createBucket(motoS3(), 'sagemaker-capture');
  // The "container" scores with the breast-cancer model (the same schema) and answers keyed by output name.
  const scorer = await model(MODELS.breastCancer);
  runtime = mockClient(SageMakerRuntimeClient);
  runtime.on(InvokeEndpointCommand).callsFake(async (input: { Body: Uint8Array }) => {
    const rows = (JSON.parse(new TextDecoder().decode(input.Body)) as { instances: unknown[][] }).instances;
    const predictions = (await scorer.predict(rows)) as Extract<Prediction, { probabilities: unknown }>[];
    const answer = predictions.map((p) => ({ probabilities: [p.probabilities.benign, p.probabilities.malignant], label: p.label }));
    return { Body: new TextEncoder().encode(JSON.stringify({ predictions: answer })), InvokedProductionVariant: variant };
  });
});
afterAll(() => runtime.restore());

describe('request capture of the SageMaker invoke function (moto S3, mocked SageMaker runtime)', () => {
  it('captures a sampled SageMaker prediction in the same record format as the predict function', async () => {
    const sagemaker = captureTo('same/sagemaker');
    await (await invokeHandler(sagemaker))('POST', '/models/tumor-ensemble/predict', { instances: instances.slice(0, 3) });
    await sagemaker.flush();
    const lambda = captureTo('same/lambda');
    const predict = createHandler(new ModelSet([await model(MODELS.breastCancer)]), { maxBodyBytes: 1 << 20, capture: lambda });
    await predict(proxyEvent('POST', '/models/breast-cancer/predict', { body: { instances: instances.slice(0, 3) } }), lambdaContext());
    await lambda.flush();

    const strip = ({ ts, model, ...rest }: Record<string, unknown>) => (expect(ts).toMatch(/^\d{4}-\d\d-\d\dT/), rest);
    const fromSageMaker = await records('same/sagemaker');
    expect(fromSageMaker.map((r) => [r.model, r.version, r.requestId, r.index])).toEqual([0, 1, 2].map((i) => ['tumor-ensemble', '1.0.0', REQUEST_ID, i]));
    expect(fromSageMaker.map(strip)).toEqual((await records('same/lambda')).map(strip));
    expect(fromSageMaker[0]!.prediction).toMatchObject({ label: expect.any(String), probability: expect.any(Number), probabilities: { benign: expect.any(Number), malignant: expect.any(Number) } });
  });

  it('captures from the v2 infer route too, features named in feature order', async () => {
    const capture = captureTo('v2');
    const data = instances.slice(0, 2).flatMap((i) => pkg.features.map((f) => i[f.name]!));
    const res = await (await invokeHandler(capture))('POST', '/v2/models/tumor-ensemble/infer', { inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 30], data }], outputs: [{ name: 'label' }] });
    expect(res.statusCode).toBe(200);
    await capture.flush();
    const captured = await records('v2');
    expect(captured.map((r) => r.features)).toEqual(instances.slice(0, 2));
    expect(captured.map((r) => Object.keys(r.features as object))).toEqual([0, 1].map(() => pkg.features.map((f) => f.name)));
    expect(captured.map((r) => (r.prediction as { probabilities: unknown }).probabilities)).toEqual([expect.any(Object), expect.any(Object)]);
  });

  it("leaves a challenger variant's answers out: they are another model's under the same version", async () => {
    const capture = captureTo('challenger');
    variant = 'challenger';
    try {
      const res = await (await invokeHandler(capture))('POST', '/models/tumor-ensemble/predict', { instances: instances.slice(0, 2) });
      expect(res.headers?.['X-Model-Variant']).toBe('challenger');
    } finally {
      variant = 'primary';
    }
    await capture.flush();
    expect(await records('challenger')).toEqual([]);
  });
});

describe('the monitoring jobs on the SageMaker-served model (moto S3)', () => {
  let drift: Handler;
  let quality: Handler;

  beforeAll(async () => {
    const capture = captureTo('captures');
    const res = await (await invokeHandler(capture))('POST', '/models/tumor-ensemble/predict', { instances });
    expect(res.statusCode).toBe(200);
    await capture.flush();
    const answered = (JSON.parse(res.body) as { predictions: { label: string }[] }).predictions;
    // Labels for every row, the first two contradicting the model.
    const labels = answered.map((p, index) => ({ requestId: REQUEST_ID, index, label: index < 2 ? (p.label === 'benign' ? 'malignant' : 'benign') : p.label }));
    await openLocation(`s3://${bucket}`, { s3: motoS3() }).store.write('labels/tumor-ensemble/today.jsonl', labels.map((l) => JSON.stringify(l)).join('\n'));

    const { baseline: _, ...withoutBaseline } = JSON.parse(readFileSync(MODEL_JSON, 'utf8'));
    const noBaseline = join(mkdtempSync(join(tmpdir(), 'no-baseline-')), 'model.json');
    writeFileSync(noBaseline, JSON.stringify({ ...withoutBaseline, name: 'tumor-no-baseline' }));
    useMotoEnvironment({
      MODELS: JSON.stringify([MODELS.breastCancer]),
      MODEL_JSONS: JSON.stringify({ 'tumor-ensemble': MODEL_JSON, 'tumor-no-baseline': noBaseline }),
      CAPTURE_URI: `s3://${bucket}/captures`,
      REPORTS_URI: `s3://${bucket}/reports`,
      LABELS_URI: `s3://${bucket}/labels`,
    });
    ({ handler: drift } = (await import('../../../functions/monitoring/drift-job.ts')) as never);
    ({ handler: quality } = (await import('../../../functions/monitoring/label-quality.ts')) as never);
  });

  it("reads the invoke function's captures against model.json's baseline and writes the drift report", async () => {
    const result = await drift({ model: 'tumor-ensemble', windowHours: 2 }, {});
    expect(result).toMatchObject({ drift: false, rows: instances.length, report: expect.stringMatching(new RegExp(`^s3://${bucket}/reports/tumor-ensemble/1\\.0\\.0/.+\\.json$`)) });
  });

  it('joins labels to the captured SageMaker predictions for live quality', async () => {
    const result = await quality({ model: 'tumor-ensemble', windowHours: 2 }, {});
    expect(result).toMatchObject({ capturedRows: instances.length, labeledRows: instances.length });
    expect((result.metrics as Record<string, number>).LiveAccuracy).toBeCloseTo(1 - 2 / instances.length, 10);
  });

  it('says plainly that a model.json without a baseline cannot be judged, and still judges the other models', async () => {
    await expect(drift({ model: 'tumor-no-baseline', windowHours: 2 }, {})).rejects.toThrow(/model "tumor-no-baseline" cannot be monitored: .*model\.json has no baseline/);
    await expect(drift({ model: 'breast-cancer', windowHours: 2 }, {})).resolves.toMatchObject({ rows: 0 });
  });
});
