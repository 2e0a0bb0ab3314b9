import { readFileSync } from 'node:fs';
import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parsePackage } from '../../../functions/core/package-file.ts';
import { EndpointModel } from '../../../functions/core/sagemaker/served.ts';
import { createInvokeHandler } from '../../../functions/sagemaker/app.ts';
import { SERVICES } from '../../../lib/model-metrics.ts';
import { lambdaContext, proxyEvent } from '../../support/events.ts';

// Metrics on, under the service name the stack gives the invoke function (lib/sagemaker-api.ts),
// before the shared Powertools instances are created.
vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_SERVICE_NAME = 'sagemaker-invoke';
});

const MODEL_JSON = new URL('../../../examples/models/tumor-ensemble/1.0.0/model.json', import.meta.url).pathname;
const pkg = parsePackage(readFileSync(MODEL_JSON, 'utf8'), MODEL_JSON);
const mock = mockClient(SageMakerRuntimeClient);
afterAll(() => mock.restore());

const handler = createInvokeHandler([new EndpointModel(pkg, 'tumor-ensemble', new SageMakerRuntimeClient({ region: 'us-east-1' }), 5000, 100)], { maxBodyBytes: 1 << 20 });

const emfOf = async (status: number) => {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const res = await handler(proxyEvent('POST', '/models/tumor-ensemble/predict', { body: { instances: [pkg.examples[0]!.instance] } }), lambdaContext());
  spy.mockRestore();
  expect((res as { statusCode: number }).statusCode).toBe(status);
  return lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
};

describe('SageMaker invoke function metrics', () => {
  it('records latency and server errors per model under its own service, which the per-model API alarms read', async () => {
    mock.on(InvokeEndpointCommand).resolves({ Body: new TextEncoder().encode('[0.7]') as never, InvokedProductionVariant: 'primary' });
    const ok = (await emfOf(200)).find((e) => 'Latency' in e)!;
    // The name the stack gives the function (lib/sagemaker-api.ts) is the one the alarms read (ModelMetrics.front).
    expect(ok).toMatchObject({ service: SERVICES.invoke, model: 'tumor-ensemble', version: '1.0.0' });
    expect([...ok._aws.CloudWatchMetrics[0].Dimensions[0]].sort()).toEqual(['model', 'service', 'version']);

    mock.reset();
    mock.on(InvokeEndpointCommand).rejects(new ModelError({ message: 'Received server error (500)', $metadata: {}, OriginalStatusCode: 500, OriginalMessage: 'CUDA out of memory' }));
    const failed = (await emfOf(502)).find((e) => 'ServerErrors' in e)!;
    expect(failed).toMatchObject({ service: SERVICES.invoke, model: 'tumor-ensemble', version: '1.0.0', ServerErrors: 1 });
  });
});
