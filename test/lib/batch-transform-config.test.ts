import { describe, expect, it } from 'vitest';
import { resolveTransform } from '../../lib/batch-transform-config.ts';
import { type InferenceConfig, validateConfig } from '../../lib/config.ts';
import type { SageMakerServing } from '../../lib/sagemaker-config.ts';

const serving: SageMakerServing = {
  kind: 'sagemaker',
  image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/tumor-ensemble:1.0.0',
  modelData: 's3://acme-models/tumor-ensemble/1.0.0/model.tar.gz',
  modelJson: 'examples/models/tumor-ensemble/1.0.0/model.json',
};
const schedule = { name: 'nightly-tumor', cron: 'cron(0 3 * * ? *)', model: 'tumor-ensemble', input: 'input/scans/', output: 'output/scans/', engine: 'sagemaker-batch-transform' as const };
const config = (patch: Record<string, unknown> = {}): InferenceConfig => ({
  stackName: 'T',
  models: [
    { name: 'breast-cancer', source: 'models/breast-cancer/1.0.0' },
    { name: 'tumor-ensemble', source: 'examples/models/tumor-ensemble/1.0.0', serving },
  ],
  batch: { schedules: [{ ...schedule, ...patch } as never] },
});
const withSchedule = (patch: Record<string, unknown>) => () => validateConfig(config(patch));

describe('Batch Transform schedules', () => {
  it('accepts a transform schedule of a SageMaker-served model, with and without every option', () => {
    expect(withSchedule({})).not.toThrow();
    expect(
      withSchedule({
        format: 'jsonl',
        timezone: 'Europe/Paris',
        transform: { instanceType: 'ml.c5.2xlarge', instanceCount: 2, maxPayloadMb: 10, maxConcurrentTransforms: 4, batchStrategy: 'SingleRecord', contentType: 'application/jsonlines', maxRuntimeSeconds: 7200 },
      }),
    ).not.toThrow();
  });

  it('refuses Parquet, which Batch Transform cannot split by line', () => {
    expect(withSchedule({ format: 'parquet' })).toThrow("batch.schedules[0].format 'parquet' is not supported by Batch Transform, which splits its input by line");
  });

  it.each([
    ['idColumn', { idColumn: 'id' }],
    ['chunkBytes', { chunkBytes: 4096 }],
    ['toleratedFailurePercentage', { toleratedFailurePercentage: 1 }],
  ])('refuses %s, which the Lambda path alone reads', (prop, patch) => {
    expect(withSchedule(patch)).toThrow(`batch.schedules[0].${prop} does not apply to engine 'sagemaker-batch-transform'`);
  });

  it.each([
    ['instanceType', { instanceType: 'm5.xlarge' }, "must be a SageMaker instance type such as 'ml.m5.xlarge'"],
    ['instanceCount', { instanceCount: 0 }, 'must be an integer between 1 and 100, got 0'],
    ['maxPayloadMb', { maxPayloadMb: 0 }, 'must be an integer between 1 and 100, got 0'],
    ['maxPayloadMb', { maxPayloadMb: 101 }, 'must be an integer between 1 and 100, got 101'],
    ['maxConcurrentTransforms', { maxConcurrentTransforms: 1.5 }, 'must be an integer between 1 and 1000'],
    ['maxConcurrentTransforms', { maxConcurrentTransforms: 20 }, "times maxPayloadMb must be at most 100 (SageMaker's limit), got 20 x 6"],
    ['batchStrategy', { batchStrategy: 'Everything' }, "must be one of 'MultiRecord', 'SingleRecord'"],
    ['contentType', { contentType: 'application/x-parquet' }, "must be one of 'text/csv', 'application/jsonlines'"],
    ['contentType', { contentType: 'application/jsonlines' }, "'application/jsonlines' must match batch.schedules[0].format 'csv' ('text/csv')"],
    ['maxRuntimeSeconds', { maxRuntimeSeconds: 10 }, 'must be an integer between 60 and 172800'],
  ])('names batch.schedules[0].transform.%s when it is invalid', (prop, transform, message) => {
    expect(withSchedule({ transform })).toThrow(`batch.schedules[0].transform.${prop} ${message}`);
  });

  it('refuses transform options on a Lambda schedule', () => {
    expect(withSchedule({ model: 'breast-cancer', engine: 'lambda', transform: { instanceCount: 2 } })).toThrow(
      "batch.schedules[0].transform only applies with batch.schedules[0].engine 'sagemaker-batch-transform'",
    );
  });

  it('runs on the endpoint instance type by default, on CPU for serverless endpoints, and takes the content type from the format', () => {
    expect(resolveTransform(undefined, 'csv', serving)).toEqual({ instanceType: 'ml.g5.xlarge', instanceCount: 1, maxPayloadMb: 6, batchStrategy: 'MultiRecord', contentType: 'text/csv', maxRuntimeSeconds: 86400 });
    expect(resolveTransform(undefined, 'jsonl', { ...serving, instanceType: 'ml.g6.2xlarge' })).toMatchObject({ instanceType: 'ml.g6.2xlarge', contentType: 'application/jsonlines' });
    expect(resolveTransform({ maxConcurrentTransforms: 2 }, 'csv', { ...serving, serverless: { memoryMb: 2048, maxConcurrency: 5 } })).toMatchObject({ instanceType: 'ml.m5.xlarge', maxConcurrentTransforms: 2 });
  });
});
