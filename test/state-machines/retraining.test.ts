import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Template } from 'aws-cdk-lib/assertions';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { writeTarGz } from '../../functions/core/retraining/tar.ts';
import { RetrainingPipeline } from '../../lib/retraining-pipeline.ts';
import { writeBreastCancerChannels } from '../../models/training/split-data.ts';
import { train } from '../../models/training/train.ts';
import { unbundledStack } from '../lib/cdk.ts';
import { RETRAINING } from '../functions/retraining/config.ts';
import { lambdaContext } from '../support/events.ts';
import { createBucket, motoS3, uploadPackage } from '../support/s3.ts';
import { definitionOf, failureOf } from './definition.ts';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
const steps = ['prepare', 'evaluate', 'register', 'deploy', 'rollback', 'request-approval'] as const;
const handlers = {} as Record<(typeof steps)[number], Handler>;
const channels = writeBreastCancerChannels(mkdtempSync(join(tmpdir(), 'retraining-data-')));

beforeAll(async () => {
  vi.stubEnv('AWS_ENDPOINT_URL_S3', inject('motoEndpoint'));
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  for (const name of steps) handlers[name] = (await import(`../../functions/retraining/${name}.ts`)).handler as Handler;
});

const s3 = () => motoS3();
let buckets = 0;

/**
 * A bucket holding the two data channels and a registry whose production version is one of the
 * shipped breast-cancer packages; the step functions' environment points at it, as the construct sets it.
 */
async function world(production: '1.0.0' | '1.1.0', extra: Partial<typeof RETRAINING> = {}) {
  const bucket = await createBucket(s3(), `retrain-${process.pid}-${buckets++}`);
  for (const [channel, dir] of Object.entries(channels)) {
    for (const file of readdirSync(dir)) await s3().send(new PutObjectCommand({ Bucket: bucket, Key: `data/${channel}/${file}`, Body: readFileSync(join(dir, file)) }));
  }
  await uploadPackage(s3(), bucket, `registry/breast-cancer/versions/${production}`, `models/breast-cancer/${production}`);
  const sha256 = JSON.parse(readFileSync(`models/breast-cancer/${production}/model.json`, 'utf8')).sha256;
  const pointer = { version: production, sha256, promotedAt: '2026-11-01T00:00:00.000Z', previous: [] };
  await s3().send(new PutObjectCommand({ Bucket: bucket, Key: 'registry/breast-cancer/production.json', Body: JSON.stringify(pointer) }));
  const config = {
    ...RETRAINING,
    data: { train: `s3://${bucket}/data/train/`, holdout: `s3://${bucket}/data/holdout/` },
    outputS3Uri: `s3://${bucket}/training-output`,
    checkpointS3Uri: `s3://${bucket}/checkpoints`,
    registryS3Uri: `s3://${bucket}/registry`,
    ...extra,
  };
  vi.stubEnv('REGISTRY_URI', config.registryS3Uri);
  vi.stubEnv('OUTPUT_URI', config.outputS3Uri);
  vi.stubEnv('TRAIN_URI', config.data.train);
  vi.stubEnv('HOLDOUT_URI', config.data.holdout);
  vi.stubEnv('GATE_METRIC', 'rocAuc');
  vi.stubEnv('LOWER_IS_BETTER', 'false');
  vi.stubEnv('MODEL_CACHE_DIR', mkdtempSync(join(tmpdir(), 'retraining-cache-')));
  const stack = unbundledStack();
  new RetrainingPipeline(stack, 'Retraining', { config });
  return { bucket, pointer, definition: definitionOf(Template.fromStack(stack)) };
}

async function readText(bucket: string, key: string): Promise<string> {
  return (await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
}
const keys = async (bucket: string, prefix: string) => ((await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);

/**
 * Stands in for SageMaker's CreateTrainingJob.sync: downloads the channels named in the request,
 * runs the example training script on them with the request's hyperparameters, and uploads
 * `/opt/ml/model` as `<output>/<job>/output/model.tar.gz`, answering as DescribeTrainingJob does.
 */
async function trainingJob(request: any) {
  const root = mkdtempSync(join(tmpdir(), 'training-job-'));
  for (const channel of request.InputDataConfig) {
    const uri = /^s3:\/\/([^/]+)\/(.*)$/.exec(channel.DataSource.S3DataSource.S3Uri)!;
    const dir = join(root, 'input/data', channel.ChannelName);
    await mkdir(dir, { recursive: true });
    for (const key of await keys(uri[1]!, uri[2]!)) await writeFile(join(dir, key.split('/').at(-1)!), await readText(uri[1]!, key));
  }
  const model = join(root, 'model');
  await train({ train: join(root, 'input/data/train'), holdout: join(root, 'input/data/holdout'), model, checkpoints: join(root, 'checkpoints'), failure: join(root, 'failure') }, request.HyperParameters);
  const output = /^s3:\/\/([^/]+)\/(.*)$/.exec(request.OutputDataConfig.S3OutputPath)!;
  const key = `${output[2]}/${request.TrainingJobName}/output/model.tar.gz`;
  const files = Object.fromEntries(readdirSync(model).map((f) => [f, readFileSync(join(model, f))]));
  await s3().send(new PutObjectCommand({ Bucket: output[1], Key: key, Body: writeTarGz(files) }));
  return {
    TrainingJobName: request.TrainingJobName,
    TrainingJobArn: `arn:aws:sagemaker:us-east-1:123456789012:training-job/${request.TrainingJobName}`,
    TrainingJobStatus: 'Completed',
    ModelArtifacts: { S3ModelArtifacts: `s3://${output[1]}/${key}` },
  };
}

interface RunOptions {
  readonly lambda?: string;
  readonly training?: (request: any) => Promise<unknown>;
  readonly deploy?: (event: unknown, real: () => Promise<unknown>) => Promise<unknown>;
  /** What DescribeEndpoint answers, poll after poll, given the config UpdateEndpoint asked for. */
  /** Answers the approval's task token: the output sent with send-task-success, or throws as send-task-failure. */
  readonly approve?: () => Promise<unknown>;
  readonly endpointStatus?: (requestedConfig: string, poll: number) => { EndpointStatus: string; EndpointConfigName: string };
}

function run(definition: unknown, options: RunOptions = {}) {
  const calls: string[] = [];
  let requestedConfig = '';
  let polls = 0;
  const context = lambdaContext();
  const bind = (name: (typeof steps)[number]) => async (event: unknown) => {
    calls.push(name);
    return (await handlers[name](event, context)) as never;
  };
  const machine = new StateMachine(definition as never);
  const execution = machine.run({ model: 'breast-cancer', version: '1.0.0', reason: 'drift', alarm: 'breast-cancer-drift', driftReport: 's3://monitoring/drift-reports/x.json' } as never, {
    overrides: {
      taskResourceLocalHandlers: {
        Prepare: bind('prepare'),
        Train: async (request: any) => {
          calls.push('train');
          return (await (options.training ?? trainingJob)({ ...request, HyperParameters: { ...request.HyperParameters, lambda: options.lambda ?? '1' } })) as never;
        },
        Evaluate: bind('evaluate'),
        Register: bind('register'),
        Deploy: async (event: unknown) => {
          calls.push('deploy');
          const real = () => handlers.deploy(event, context);
          return (await (options.deploy ? options.deploy(event, real) : real())) as never;
        },
        Rollback: bind('rollback'),
        // lambda:invoke.waitForTaskToken: the parameters are { FunctionName, Payload }; the function gets Payload.
        Approve: async (parameters: any) => {
          calls.push('approve');
          await handlers['request-approval'](parameters.Payload, context);
          return (await options.approve!()) as never;
        },
        CreateModel: async (request: any) => {
          calls.push(`createModel ${request.ModelName} ${request.PrimaryContainer.ModelDataUrl.split('/').at(-1)}`);
          return {} as never;
        },
        CreateEndpointConfig: async (request: any) => {
          calls.push(`createEndpointConfig ${request.ProductionVariants[0].ModelName}`);
          return {} as never;
        },
        UpdateEndpoint: async (request: any) => {
          requestedConfig = request.EndpointConfigName;
          calls.push(`updateEndpoint ${request.EndpointName} ${request.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.Type}`);
          return {} as never;
        },
        DescribeEndpoint: async (request: any) => {
          calls.push('describeEndpoint');
          return { EndpointName: request.EndpointName, ...options.endpointStatus!(requestedConfig, polls++) } as never;
        },
      },
      waitTimeOverrides: { WaitForEndpoint: 0 },
    },
    // The task token Step Functions would generate for the approval's waitForTaskToken.
    context: { Execution: { Name: 'test-run' }, Task: { Token: 'task-token-1' } } as never,
  });
  return { calls, result: execution.result as Promise<Record<string, any>> };
}

describe('retraining state machine, synthesized, with the real steps over moto S3 and the training job run locally', () => {
  it('trains a better candidate, registers it with its checksum and lineage, and moves the production pointer', async () => {
    // Production is 1.1.0 (rocAuc 0.9940); lambda 1 trains what 1.0.0 is (0.9966).
    const { bucket, definition } = await world('1.1.0');
    const { calls, result } = run(definition, { lambda: '1' });
    const output = await result;

    expect(calls).toEqual(['prepare', 'train', 'evaluate', 'register', 'deploy']);
    expect(output.prepare).toMatchObject({ candidateVersion: '1.2.0', production: { version: '1.1.0' }, trainingJobName: expect.stringMatching(/^breast-cancer-1-2-0-\d{14}$/) });
    expect(output.evaluation.improvement).toBeGreaterThan(0);
    expect(output.evaluation.candidate.rocAuc).toBeCloseTo(0.99665, 4);
    expect(output.evaluation.production.rocAuc).toBeCloseTo(0.99396, 4);
    const registered = await keys(bucket, 'registry/breast-cancer/versions/1.2.0/');
    expect(registered.sort()).toEqual(['lineage.json', 'model.json', 'model.onnx'].map((f) => `registry/breast-cancer/versions/1.2.0/${f}`));
    const pkg = JSON.parse(await readText(bucket, 'registry/breast-cancer/versions/1.2.0/model.json'));
    const lineage = JSON.parse(await readText(bucket, 'registry/breast-cancer/versions/1.2.0/lineage.json'));
    expect(lineage).toMatchObject({ version: '1.2.0', sha256: pkg.sha256, parentVersion: '1.1.0', trainingJob: output.prepare.trainingJobName, dataUris: [`s3://${bucket}/data/train/`, `s3://${bucket}/data/holdout/`] });
    expect(output.registered).toEqual({ uri: `s3://${bucket}/registry/breast-cancer/versions/1.2.0`, version: '1.2.0', sha256: pkg.sha256 });
    const pointer = JSON.parse(await readText(bucket, 'registry/breast-cancer/production.json'));
    expect(pointer).toMatchObject({ version: '1.2.0', sha256: pkg.sha256, previous: [{ version: '1.1.0' }] });
  });

  it('passes the gate for a first version (no production yet) and creates the production pointer', async () => {
    const { bucket, definition } = await world('1.1.0');
    // A registry with no pointer: as if 1.1.0 were registered but never promoted.
    await s3().send(new DeleteObjectCommand({ Bucket: bucket, Key: 'registry/breast-cancer/production.json' }));
    const { calls, result } = run(definition, { lambda: '0.1' });
    const output = await result;
    expect(calls).toEqual(['prepare', 'train', 'evaluate', 'register', 'deploy']);
    expect(output.evaluation).toMatchObject({ firstVersion: true, improvement: null, production: null });
    expect(JSON.parse(await readText(bucket, 'registry/breast-cancer/production.json'))).toMatchObject({ version: '1.2.0', previous: [] });
  });

  it('fails at the gate when the candidate is worse, with nothing registered or deployed', async () => {
    // Production is 1.0.0; lambda 0.1 trains a candidate as good as 1.1.0, which is worse.
    const { bucket, pointer, definition } = await world('1.0.0');
    const { calls, result } = run(definition, { lambda: '0.1' });
    const failure = await failureOf(result);

    expect(failure).toBeInstanceOf(ExecutionError);
    expect(failure!.cause).toMatchObject({ name: 'RetrainingCandidateRejected', message: expect.stringContaining('nothing was registered or deployed') });
    expect(calls).toEqual(['prepare', 'train', 'evaluate']);
    expect(await keys(bucket, 'registry/breast-cancer/versions/1.1.0/')).toEqual([]);
    expect(JSON.parse(await readText(bucket, 'registry/breast-cancer/production.json'))).toEqual(pointer);
  });

  it('ends in TrainingFailed when the training job fails, touching nothing', async () => {
    const { bucket, pointer, definition } = await world('1.1.0');
    const { calls, result } = run(definition, {
      training: async () => {
        throw Object.assign(new Error('AlgorithmError: out of memory'), { name: 'States.TaskFailed' });
      },
    });
    const failure = await failureOf(result);

    expect(failure!.cause).toMatchObject({ name: 'RetrainingTrainingFailed', message: expect.stringContaining('out of memory') });
    expect(calls).toEqual(['prepare', 'train']);
    expect(await keys(bucket, 'registry/breast-cancer/versions/1.2.0/')).toEqual([]);
    expect(JSON.parse(await readText(bucket, 'registry/breast-cancer/production.json'))).toEqual(pointer);
  });

  it('rolls the production pointer back when the deploy fails after moving it', async () => {
    const { bucket, pointer, definition } = await world('1.1.0');
    const { calls, result } = run(definition, {
      lambda: '1',
      deploy: async (_event, real) => {
        await real();
        expect(JSON.parse(await readText(bucket, 'registry/breast-cancer/production.json')).version).toBe('1.2.0');
        throw new Error('rollout start failed after the pointer moved');
      },
    });
    const failure = await failureOf(result);

    expect(failure!.cause).toMatchObject({ name: 'RetrainingDeployFailed', message: expect.stringContaining('rollout start failed') });
    expect(calls).toEqual(['prepare', 'train', 'evaluate', 'register', 'deploy', 'rollback']);
    // The registry's rollback: production is the version before the run again (with a new promotedAt).
    expect(JSON.parse(await readText(bucket, 'registry/breast-cancer/production.json'))).toMatchObject({ version: pointer.version, sha256: pointer.sha256, previous: [] });
    // The registered version stays: the registry is immutable; only the pointer moves back.
    expect(await keys(bucket, 'registry/breast-cancer/versions/1.2.0/model.json')).toHaveLength(1);
  });

  describe('a SageMaker-served model', () => {
    const endpoint = { endpointName: 'breast-cancer-gpu', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/serve:1' };

    it('creates a model and endpoint config from the candidate, updates the endpoint and moves the pointer once it is InService on them', async () => {
      const { bucket, definition } = await world('1.1.0', { endpoint });
      const { calls, result } = run(definition, {
        endpointStatus: (config, poll) => (poll === 0 ? { EndpointStatus: 'Updating', EndpointConfigName: 'old' } : { EndpointStatus: 'InService', EndpointConfigName: config }),
      });
      const output = await result;
      const job = output.prepare.trainingJobName;
      expect(calls).toEqual(['prepare', 'train', 'evaluate', 'register', `createModel ${job} model.tar.gz`, `createEndpointConfig ${job}`, 'updateEndpoint breast-cancer-gpu CANARY', 'describeEndpoint', 'describeEndpoint', 'deploy']);
      expect(JSON.parse(await readText(bucket, 'registry/breast-cancer/production.json')).version).toBe('1.2.0');
    });

    it('rolls back when the guardrails put the endpoint back on its old config, leaving the pointer where it was', async () => {
      const { bucket, pointer, definition } = await world('1.1.0', { endpoint });
      const { calls, result } = run(definition, { endpointStatus: () => ({ EndpointStatus: 'InService', EndpointConfigName: 'breast-cancer-previous' }) });
      const failure = await failureOf(result);

      expect(failure!.cause).toMatchObject({ name: 'RetrainingDeployFailed', message: expect.stringContaining('is InService on endpoint config breast-cancer-previous, not on the candidate') });
      expect(calls.slice(-2)).toEqual(['describeEndpoint', 'rollback']);
      expect(calls).not.toContain('deploy');
      expect(JSON.parse(await readText(bucket, 'registry/breast-cancer/production.json'))).toEqual(pointer);
    });
  });

  describe('with manual approval', () => {
    it('writes the approval request with its task token and registers once approved', async () => {
      const { bucket, definition } = await world('1.1.0', { gate: { manualApproval: true } });
      const { calls, result } = run(definition, { approve: async () => ({ approvedBy: 'reviewer' }) });
      const output = await result;
      expect(calls).toEqual(['prepare', 'train', 'evaluate', 'approve', 'register', 'deploy']);
      expect(output.approval).toEqual({ approvedBy: 'reviewer' });
      const request = JSON.parse(await readText(bucket, 'registry/breast-cancer/approvals/1.2.0.json'));
      expect(request).toMatchObject({ model: 'breast-cancer', candidate: '1.2.0', production: '1.1.0', taskToken: 'task-token-1', evaluation: { improvement: output.evaluation.improvement } });
    });

    it('ends in NotApproved with nothing registered when the reviewer rejects', async () => {
      const { bucket, pointer, definition } = await world('1.1.0', { gate: { manualApproval: true } });
      const { calls, result } = run(definition, {
        approve: async () => {
          throw Object.assign(new Error('holdout looks stale'), { name: 'Rejected' });
        },
      });
      const failure = await failureOf(result);
      expect(failure!.cause).toMatchObject({ name: 'RetrainingNotApproved', message: expect.stringContaining('holdout looks stale') });
      expect(calls).toEqual(['prepare', 'train', 'evaluate', 'approve']);
      expect(await keys(bucket, 'registry/breast-cancer/versions/1.2.0/')).toEqual([]);
      expect(JSON.parse(await readText(bucket, 'registry/breast-cancer/production.json'))).toEqual(pointer);
    });
  });
});
