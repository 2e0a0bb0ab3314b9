import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchTransform } from '../../lib/batch-transform.ts';
import type { BatchScheduleConfig } from '../../lib/config.ts';
import { DataBucket } from '../../lib/data-bucket.ts';
import { unbundledStack } from '../lib/cdk.ts';
import { lambdaContext } from '../support/events.ts';
import { motoS3, useMotoEnvironment } from '../support/s3.ts';
import { RUN_OUTPUT, runManifest, simulateTransform, transformBucket, transformCsv } from '../support/transform-job.ts';
import { definitionOf, failureOf } from './definition.ts';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
let finalize: Handler;

beforeAll(async () => {
  useMotoEnvironment({});
  finalize = (await import('../../functions/batch/finalize-transform.ts')).handler as Handler;
});

const schedule: BatchScheduleConfig = { name: 'nightly-tumor', cron: 'cron(0 3 * * ? *)', model: 'tumor-ensemble', input: 'input/scans/', output: 'output/scans/', engine: 'sagemaker-batch-transform' };

/** The synthesized definition, as deployed. */
function synthesized() {
  const stack = unbundledStack();
  const role = new Role(stack, 'ModelRole', { assumedBy: new ServicePrincipal('sagemaker.amazonaws.com') });
  const config = {
    name: 'tumor-ensemble',
    source: 'examples/models/tumor-ensemble/1.0.0',
    serving: { kind: 'sagemaker', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/tumor-ensemble:1.0.0', modelData: 's3://acme-models/t/model.tar.gz', modelJson: 'examples/models/tumor-ensemble/1.0.0/model.json' },
  } as const;
  new BatchTransform(stack, 'Transform', { bucket: new DataBucket(stack, 'Data').bucket, models: { 'tumor-ensemble': { config, modelName: 'tumor-ensemble-model', role } }, schedules: [schedule] });
  return definitionOf(Template.fromStack(stack));
}

const s3 = () => motoS3();

interface RunOptions {
  /** Stands in for CreateTransformJob.sync: answers as DescribeTransformJob does, or throws as the task fails. */
  readonly transform: (request: any) => Promise<unknown>;
}

/** Runs the synthesized state machine with finalize bound to the real handler and the SageMaker task answered by `transform`. */
function run(job: object, options: RunOptions) {
  const requests: any[] = [];
  const machine = new StateMachine(synthesized() as never);
  const execution = machine.run({ job } as never, {
    overrides: {
      taskResourceLocalHandlers: {
        Transform: async (request: any) => {
          requests.push(request);
          return (await options.transform(request)) as never;
        },
        FinalizeRun: (event) => finalize(event, lambdaContext()) as never,
      },
    },
    context: { Execution: { Name: 'test-run' } } as never,
  });
  return { requests, result: execution.result as Promise<Record<string, any>> };
}

async function world() {
  const bucket = await transformBucket({ 'input/scans/a.csv': transformCsv(150, 'a'), 'input/scans/b.csv': transformCsv(50, 'b') });
  const job = { model: 'tumor-ensemble', input: `s3://${bucket}/input/scans/`, output: `s3://${bucket}/${RUN_OUTPUT}`, format: 'csv' };
  return { bucket, job };
}

const completed = (request: any, status = 'Completed') => ({
  TransformJobName: request.TransformJobName,
  TransformJobArn: `arn:aws:sagemaker:us-east-1:123456789012:transform-job/${request.TransformJobName}`,
  TransformJobStatus: status,
  ModelName: request.ModelName,
});

describe('batch transform state machine, synthesized, with the real finalize over moto S3 and the transform job answered locally', () => {
  it('runs the transform job on the job input and output, and succeeds with a manifest that reconciles', async () => {
    const { bucket, job } = await world();
    const { requests, result } = run(job, {
      transform: async (request) => {
        await simulateTransform(s3(), request.TransformInput.DataSource.S3DataSource.S3Uri, request.TransformOutput.S3OutputPath, 'csv');
        return completed(request);
      },
    });
    const output = await result;

    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      TransformJobName: expect.stringMatching(/^nightly-tumor-[0-9a-f-]{36}$/),
      ModelName: 'tumor-ensemble-model',
      TransformInput: { DataSource: { S3DataSource: { S3Uri: job.input } }, SplitType: 'Line' },
      TransformOutput: { S3OutputPath: job.output, AssembleWith: 'Line' },
      DataProcessing: { JoinSource: 'Input' },
    });
    expect(output).toEqual({
      status: 'succeeded',
      manifest: `s3://${bucket}/output/scans/2026-11-23T03:00:00Z/_manifest.json`,
      transformJob: requests[0].TransformJobName,
      rowsIn: 200,
      rowsScored: 200,
      rowsRejected: 0,
      failedChunks: 0,
    });
    expect(await runManifest(bucket)).toMatchObject({
      status: 'succeeded',
      engine: 'sagemaker-batch-transform',
      transformJob: requests[0].TransformJobName,
      model: { name: 'tumor-ensemble', version: '1.0.0' },
      chunks: 2,
      parts: ['a.csv.out', 'b.csv.out'],
      // $$.Execution.StartTime, which the local runner sets itself.
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    });
  });

  it('writes a failed manifest when the transform job fails, and ends in Failed naming it', async () => {
    const { bucket, job } = await world();
    const { requests, result } = run(job, {
      transform: async (request) => {
        // SageMaker uploaded b.csv.out before a.csv failed.
        await simulateTransform(s3(), request.TransformInput.DataSource.S3DataSource.S3Uri, request.TransformOutput.S3OutputPath, 'csv', { skip: ['input/scans/a.csv'] });
        const described = { ...completed(request, 'Failed'), FailureReason: 'AlgorithmError: model server returned 500 for a mini-batch' };
        throw Object.assign(new Error(JSON.stringify(described)), { name: 'States.TaskFailed' });
      },
    });
    const failure = await failureOf(result);

    expect(failure).toBeInstanceOf(ExecutionError);
    expect(failure!.cause).toMatchObject({ name: 'BatchRunFailed', message: `s3://${bucket}/output/scans/2026-11-23T03:00:00Z/_manifest.json` });
    const manifest = await runManifest(bucket);
    expect(manifest).toMatchObject({ status: 'failed', transformJob: requests[0].TransformJobName, rowsIn: 200, rowsScored: 50, rowsRejected: 150, failedChunks: [0], parts: ['b.csv.out'] });
    expect(manifest.reasons[0]).toBe(`transform job ${requests[0].TransformJobName} failed: AlgorithmError: model server returned 500 for a mini-batch`);
  });

  it('fails a run whose completed job left rows without output', async () => {
    const { bucket, job } = await world();
    const { result } = run(job, {
      transform: async (request) => {
        await simulateTransform(s3(), request.TransformInput.DataSource.S3DataSource.S3Uri, request.TransformOutput.S3OutputPath, 'csv', { drop: { 'input/scans/a.csv': 2 } });
        return completed(request);
      },
    });
    const failure = await failureOf(result);

    expect(failure!.cause).toMatchObject({ name: 'BatchRunFailed' });
    expect(await runManifest(bucket)).toMatchObject({ status: 'failed', rowsIn: 200, rowsScored: 198, rowsRejected: 2, reasons: [expect.stringContaining('2 of 150 rows have no output line')] });
  });
});
