import {
  InvokeEndpointCommand,
  ModelError,
  SageMakerRuntimeClient,
  type SageMakerRuntimeClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  ServiceUnavailable,
  ValidationError,
} from '@aws-sdk/client-sagemaker-runtime';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { parsePackage } from '../../../functions/core/package-file.ts';
import { EndpointModel } from '../../../functions/core/sagemaker/served.ts';
import { createInvokeHandler } from '../../../functions/sagemaker/app.ts';
import { loadEndpointModels } from '../../../functions/sagemaker/load.ts';
import { lambdaContext, proxyEvent } from '../../support/events.ts';
import { readFileSync } from 'node:fs';

const MODEL_JSON = new URL('../../../examples/models/tumor-ensemble/1.0.0/model.json', import.meta.url).pathname;
const pkg = parsePackage(readFileSync(MODEL_JSON, 'utf8'), MODEL_JSON);
const example = pkg.examples[0]!.instance;
const row = pkg.features.map((f) => example[f.name]);

const motoRuntime = () =>
  new SageMakerRuntimeClient({ endpoint: inject('motoEndpoint'), region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

/** Queues canned InvokeEndpoint answers in moto (its own API: the runtime has no container to run). */
async function queueResults(results: { Body: string; InvokedProductionVariant?: string }[]): Promise<void> {
  const res = await fetch(`${inject('motoEndpoint')}/moto-api/static/sagemaker/endpoint-results`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ results: results.map((r) => ({ ContentType: 'application/json', InvokedProductionVariant: 'primary', CustomAttributes: '', ...r })) }),
  });
  expect(res.ok).toBe(true);
}

let endpoints = 0;
const handlerFor = (client: SageMakerRuntimeClient, { maxBatch = 100, timeoutMs = 5000 } = {}) => {
  const endpoint = `tumor-ensemble-${process.pid}-${++endpoints}`;
  return { endpoint, handler: createInvokeHandler([new EndpointModel(pkg, endpoint, client, timeoutMs, maxBatch)], { maxBodyBytes: 1024 * 1024 }) };
};
const call = async (handler: ReturnType<typeof handlerFor>['handler'], method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
  const res = (await handler(proxyEvent(method, path, { body, ...(headers && { headers: { 'Content-Type': 'application/json', ...headers } }) }), lambdaContext())) as APIGatewayProxyResult;
  return { status: res.statusCode, headers: res.headers ?? {}, body: JSON.parse(res.body) };
};

describe('SageMaker invoke function against moto', () => {
  it('validates, sends the rows in feature order and answers the predict contract', async () => {
    const { handler } = handlerFor(motoRuntime());
    await queueResults([{ Body: JSON.stringify({ predictions: [{ label: 'malignant', probability: 0.98 }] }), InvokedProductionVariant: 'primary' }]);
    const res = await call(handler, 'POST', '/models/tumor-ensemble/predict', { instances: [example] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ model: { name: 'tumor-ensemble', version: '1.0.0', variant: 'primary' }, predictions: [{ label: 'malignant', probability: 0.98 }] });
    expect(res.headers['X-Model-Version']).toBe('1.0.0');
    expect(res.headers['X-Model-Variant']).toBe('primary');
  });

  it('answers the Open Inference Protocol: metadata, ready and infer', async () => {
    const { handler } = handlerFor(motoRuntime());
    const meta = await call(handler, 'GET', '/v2/models/tumor-ensemble');
    expect(meta.body).toMatchObject({ name: 'tumor-ensemble', versions: ['1.0.0'], platform: 'sagemaker', inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 30] }] });
    expect((await call(handler, 'GET', '/v2/models/tumor-ensemble/ready')).body).toEqual({ name: 'tumor-ensemble', ready: true });
    await queueResults([{ Body: JSON.stringify({ predictions: [{ probabilities: [0.1, 0.9], label: 'malignant' }, { probabilities: [0.8, 0.2], label: 'benign' }] }) }]);
    const res = await call(handler, 'POST', '/v2/models/tumor-ensemble/infer', {
      id: 'r1',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 30], data: [...row, ...row] }],
    }, {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      model_name: 'tumor-ensemble',
      model_version: '1.0.0',
      id: 'r1',
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [2, 2], data: [0.1, 0.9, 0.8, 0.2] },
        { name: 'label', datatype: 'BYTES', shape: [2], data: ['malignant', 'benign'] },
      ],
    });
  });

  it('serves the card from model.json', async () => {
    const { handler, endpoint } = handlerFor(motoRuntime());
    const res = await call(handler, 'GET', '/models/tumor-ensemble');
    expect(res.body).toMatchObject({ name: 'tumor-ensemble', version: '1.0.0', task: 'binary-classification', serving: { kind: 'sagemaker', endpoint } });
  });

  it('rejects bad input with 400 naming every problem, the same checks as the Lambda path, without calling the endpoint', async () => {
    const send = vi.fn();
    {
      const { handler } = handlerFor({ send } as unknown as SageMakerRuntimeClient);
      const res = await call(handler, 'POST', '/models/tumor-ensemble/predict', { instances: [{ ...example, mean_radius: 'big', extra: 1 }] });
      expect(res.status).toBe(400);
      expect(res.body.issues).toEqual([
        { path: 'instances[0].mean_radius', message: 'expected a number, got the string "big"' },
        { path: 'instances[0].extra', message: 'unknown feature' },
      ]);
      const v2 = await call(handler, 'POST', '/v2/models/tumor-ensemble/infer', { inputs: [{ name: 'features', datatype: 'FP64', shape: [1, 30], data: row }] });
      expect(v2.status).toBe(400);
      expect(v2.body.issues).toEqual([{ path: 'inputs[0].datatype', message: 'expected FP32, got "FP64"' }]);
      expect((await call(handler, 'POST', '/models/nope/predict', { instances: [example] })).status).toBe(404);
      expect(send).not.toHaveBeenCalled();
    }
  });

  it('loads its models from SAGEMAKER_MODELS and refuses a model.json of another model', async () => {
    const env = { SAGEMAKER_MODELS: JSON.stringify([{ name: 'tumor-ensemble', endpoint: 'e', modelJson: MODEL_JSON, timeoutMs: 1000 }]), MAX_BATCH: '2' };
    const { models, settings } = await loadEndpointModels(env, motoRuntime());
    expect(models.map((m) => [m.name, m.endpoint])).toEqual([['tumor-ensemble', 'e']]);
    expect(settings.MAX_BODY_BYTES).toBe(1024 * 1024);
    const wrong = { SAGEMAKER_MODELS: JSON.stringify([{ name: 'other', endpoint: 'e', modelJson: MODEL_JSON, timeoutMs: 1000 }]) };
    await expect(loadEndpointModels(wrong, motoRuntime())).rejects.toThrow(/holds model tumor-ensemble, not other/);
  });
});

describe('SageMaker invoke function error mapping (aws-sdk-client-mock: moto cannot fail an endpoint)', () => {
  // Created per suite, not at collection: it replaces every SageMakerRuntimeClient's send, moto's included.
  let mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, SageMakerRuntimeClientResolvedConfig>;
  beforeAll(() => {
    mock = mockClient(SageMakerRuntimeClient);
  });
  afterEach(() => mock.reset());
  afterAll(() => mock.restore());
  const client = () => new SageMakerRuntimeClient({ region: 'us-east-1' });
  const predict = (handler: ReturnType<typeof handlerFor>['handler']) => call(handler, 'POST', '/models/tumor-ensemble/predict', { instances: [example] });

  it('sends {"instances": [...]} in feature order as JSON', async () => {
    mock.on(InvokeEndpointCommand).resolves({ Body: new TextEncoder().encode('[0.7]') as never, InvokedProductionVariant: 'challenger' });
    const { handler, endpoint } = handlerFor(client());
    const res = await call(handler, 'POST', '/models/tumor-ensemble/predict', { instances: [example] }, { 'X-Model-Variant': 'challenger' });
    expect(res.body.predictions).toEqual([0.7]);
    const input = mock.commandCalls(InvokeEndpointCommand)[0]!.args[0].input as { Body: Uint8Array };
    expect(input).toMatchObject({ EndpointName: endpoint, ContentType: 'application/json', TargetVariant: 'challenger' });
    expect(JSON.parse(new TextDecoder().decode(input.Body as Uint8Array))).toEqual({ instances: [row] });
  });

  it('maps a ModelError to 502 with the model message', async () => {
    mock.on(InvokeEndpointCommand).rejects(new ModelError({ message: 'Received server error (500)', $metadata: {}, OriginalStatusCode: 500, OriginalMessage: 'CUDA out of memory' }));
    const res = await predict(handlerFor(client()).handler);
    expect(res.status).toBe(502);
    expect(res.body).toEqual({ error: 'model error: CUDA out of memory', issues: [{ path: '', message: 'container answered HTTP 500' }] });
  });

  it('maps throttling and an unavailable service to 503 with Retry-After', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    for (const error of [throttled, new ServiceUnavailable({ message: 'unavailable', $metadata: {} })]) {
      mock.reset();
      mock.on(InvokeEndpointCommand).rejects(error);
      const res = await predict(handlerFor(client()).handler);
      expect(res.status).toBe(503);
      expect(res.headers['Retry-After']).toBe('2');
      expect(res.body.error).toMatch(/is busy/);
    }
  });

  it('maps a call that outlives the timeout to 504', async () => {
    mock.on(InvokeEndpointCommand).callsFake((_input, getClient) => new Promise(() => void getClient));
    const res = await predict(handlerFor(client(), { timeoutMs: 50 }).handler);
    expect(res.status).toBe(504);
    expect(res.body.error).toMatch(/did not answer in time/);
  });

  it('maps a TimeoutError from the SDK to 504', async () => {
    mock.on(InvokeEndpointCommand).rejects(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }));
    expect((await predict(handlerFor(client()).handler)).status).toBe(504);
  });

  it('maps other endpoint failures and unusable answers to 502, never an opaque 500', async () => {
    mock.on(InvokeEndpointCommand).rejects(new ValidationError({ message: 'Endpoint x of account y not found.', $metadata: {} }));
    const missing = await predict(handlerFor(client()).handler);
    expect(missing.status).toBe(502);
    expect(missing.body.error).toMatch(/ValidationError: Endpoint x of account y not found/);
    mock.reset();
    mock.on(InvokeEndpointCommand).resolves({ Body: new TextEncoder().encode('<html>') as never });
    expect((await predict(handlerFor(client()).handler)).status).toBe(502);
    mock.reset();
    mock.on(InvokeEndpointCommand).resolves({ Body: new TextEncoder().encode('{"predictions": [1, 2]}') as never });
    const count = await predict(handlerFor(client()).handler);
    expect(count.status).toBe(502);
    expect(count.body.error).toMatch(/answered 2 predictions for 1 rows/);
  });
});
