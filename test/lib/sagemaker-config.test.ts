import { describe, expect, it } from 'vitest';
import { type InferenceConfig, validateConfig } from '../../lib/config.ts';
import { lambdaModels, type SageMakerServing } from '../../lib/sagemaker-config.ts';

const serving: SageMakerServing = {
  kind: 'sagemaker',
  image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/tumor-ensemble:1.0.0',
  modelData: 's3://acme-models/tumor-ensemble/1.0.0/model.tar.gz',
  modelJson: 'examples/models/tumor-ensemble/1.0.0/model.json',
};
const config = (s: Record<string, unknown> = {}, extra: Partial<InferenceConfig> = {}): InferenceConfig => ({
  stackName: 'T',
  models: [
    { name: 'breast-cancer', source: 'models/breast-cancer/1.0.0' },
    { name: 'tumor-ensemble', source: 'examples/models/tumor-ensemble/1.0.0', serving: { ...serving, ...s } as SageMakerServing },
  ],
  ...extra,
});

describe('SageMaker serving config', () => {
  it('accepts a GPU model with the defaults, and tells Lambda-served models apart', () => {
    const valid = validateConfig(config());
    expect(lambdaModels(valid.models).map((m) => m.name)).toEqual(['breast-cancer']);
    expect(() => validateConfig(config({ serverless: { memoryMb: 4096, maxConcurrency: 10 } }))).not.toThrow();
    expect(() => validateConfig(config({ variants: [{ name: 'challenger', modelData: 's3://acme-models/t/2.0.0/model.tar.gz', weight: 0.1 }], vpc: { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] } }))).not.toThrow();
  });

  it('names every problem of a serving and of a Batch Transform schedule at once', () => {
    const batch = { schedules: [{ name: 's', cron: 'rate(1 day)', model: 'tumor-ensemble', input: 'input/x', output: 'output/x/', engine: 'sagemaker-batch-transform' as const, format: 'parquet' as const, transform: { instanceCount: 0 } }] };
    expect(() => validateConfig(config({ image: 'docker.io/me/model:1', minInstances: 3, maxInstances: 2 }, { batch }))).toThrow(
      [
        'the config has 4 problems:',
        '- models[1].serving.image must be an ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>), got "docker.io/me/model:1"',
        '- models[1].serving.maxInstances (2) must be at least minInstances (3)',
        "- batch.schedules[0].format 'parquet' is not supported by Batch Transform, which splits its input by line: use 'csv' or 'jsonl', or engine 'lambda'",
        '- batch.schedules[0].transform.instanceCount must be an integer between 1 and 100, got 0',
      ].join('\n'),
    );
  });

  it.each([
    [{ image: 'docker.io/me/model:1' }, /models\[1\]\.serving\.image must be an ECR image URI/],
    [{ modelData: 's3://acme-models/tumor/' }, /models\[1\]\.serving\.modelData must be an s3:\/\/bucket\/key\.tar\.gz/],
    [{ modelJson: '../model.json' }, /models\[1\]\.serving\.modelJson must be a repo-relative path/],
    [{ instanceType: 'g5.xlarge' }, /models\[1\]\.serving\.instanceType must be a SageMaker instance type/],
    [{ minInstances: 3, maxInstances: 2 }, /models\[1\]\.serving\.maxInstances \(2\) must be at least minInstances \(3\)/],
    [{ minInstances: 0 }, /models\[1\]\.serving\.minInstances must be an integer between 1 and 100/],
    [{ dataCaptureSamplePercent: 101 }, /models\[1\]\.serving\.dataCaptureSamplePercent must be an integer between 0 and 100/],
    [{ serverless: { memoryMb: 1000, maxConcurrency: 5 } }, /models\[1\]\.serving\.serverless\.memoryMb must be one of 1024/],
    [{ serverless: { memoryMb: 1024, maxConcurrency: 5 }, instanceType: 'ml.g5.xlarge' }, /models\[1\]\.serving\.instanceType does not apply with models\[1\]\.serving\.serverless/],
    [{ variants: [{ name: 'primary', modelData: 's3://a-b/c.tar.gz', weight: 1 }] }, /models\[1\]\.serving\.variants\[0\]\.name primary is used twice/],
    [{ variants: [{ name: 'b', modelData: 's3://a-b/c.tar.gz', weight: 0 }] }, /models\[1\]\.serving\.variants\[0\]\.weight must be a number above 0/],
    [{ vpc: { subnetIds: [], securityGroupIds: ['sg-1'] } }, /models\[1\]\.serving\.vpc\.subnetIds must list 1 to 16 subnet ids/],
    [{ kind: 'ecs' }, /models\[1\]\.serving\.kind must be 'lambda' or 'sagemaker'/],
    [{ overheadLatencyP99Ms: 0 }, /models\[1\]\.serving\.overheadLatencyP99Ms must be a number of milliseconds above 0 and at most 60000, got 0/],
  ])('rejects %j naming the prop', (bad, message) => {
    expect(() => validateConfig(config(bad))).toThrow(message);
  });

  it('needs one Lambda-served model, and keeps Lambda batch workers off SageMaker models', () => {
    expect(() => validateConfig({ stackName: 'T', models: [{ name: 'tumor-ensemble', source: 'examples/models/tumor-ensemble/1.0.0', serving }] })).toThrow(/at least one Lambda-served model/);
    const batch = { schedules: [{ name: 's', cron: 'rate(1 day)', model: 'tumor-ensemble', input: 'input/x', output: 'output/x/' }] };
    expect(() => validateConfig(config({}, { batch }))).toThrow(/batch\.schedules\[0\]\.model tumor-ensemble is served by SageMaker/);
  });
});
