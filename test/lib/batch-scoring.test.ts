import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { BatchScoring, type BatchScoringProps } from '../../lib/batch-scoring.ts';
import { DataBucket } from '../../lib/data-bucket.ts';
import { aslErrors, definitionOf, type AslDefinition } from '../state-machines/definition.ts';
import { nagFindings, unbundledStack } from './cdk.ts';


const models = [{ name: 'breast-cancer', source: 'models/breast-cancer/1.0.0' }];
const nightly = { name: 'nightly', cron: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris', model: 'breast-cancer', input: 'input/daily/', output: 'output/daily' };

function synth(props: Partial<BatchScoringProps> = {}, encryption: 'kms' | 's3-managed' = 's3-managed') {
  const stack = unbundledStack();
  const bucket = new DataBucket(stack, 'Data', { encryption }).bucket;
  const batch = new BatchScoring(stack, 'Batch', { bucket, models, ...props });
  const template = Template.fromStack(stack);
  return { stack, batch, template, definition: definitionOf(template) };
}

const mapOf = (definition: AslDefinition) => definition.States.ScoreChunks as Record<string, any>;
const workerOf = (definition: AslDefinition) => mapOf(definition).ItemProcessor.States.ScoreChunk;

/** The statements of the policy attached to the role whose logical id starts with `role`. */
function statementsOf(template: Template, role: string): any[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    p.Properties.Roles.some((r: { Ref: string }) => r.Ref.startsWith(role)),
  );
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const objects = (pattern: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^DataBucket/), 'Arn'] }, pattern]] });

describe('BatchScoring state machine', () => {
  it('plans, fans out on a Distributed Map reading the chunk list the plan wrote, then finalizes', () => {
    const { definition } = synth();
    expect(definition.StartAt).toBe('Defaults');
    expect(definition.States.PlanChunks).toMatchObject({ Type: 'Task', ResultPath: '$.plan', Next: 'ScoreChunks' });
    expect(mapOf(definition)).toMatchObject({
      Type: 'Map',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { 'Bucket.$': '$.plan.chunkList.bucket', 'Key.$': '$.plan.chunkList.key' },
      },
      ItemBatcher: { MaxItemsPerBatch: 1, BatchInput: { 'job.$': '$.job' } },
      MaxConcurrency: 40,
      ToleratedFailurePercentagePath: '$.job.toleratedFailurePercentage',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
      ResultPath: null,
      Next: 'FinalizeRun',
    });
    expect(definition.States.FinalizeRun).toMatchObject({ ResultPath: '$.result', Next: 'RunSucceeded' });
    expect(definition.States.RunSucceeded).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.result.status', StringEquals: 'succeeded', Next: 'Succeeded' }],
      Default: 'Failed',
    });
    expect(definition.States.Succeeded).toEqual({ Type: 'Succeed', OutputPath: '$.result' });
    expect(definition.States.Failed).toEqual({ Type: 'Fail', Error: 'BatchRunFailed', CausePath: '$.result.manifest' });
  });

  it('fills in the chunk size and failure tolerance a job leaves out, before any step reads them', () => {
    const { definition } = synth({ chunkBytes: 1024 * 1024, toleratedFailurePercentage: 5 });
    expect(definition.States.Defaults).toMatchObject({ Type: 'Pass', Result: { chunkBytes: 1048576, toleratedFailurePercentage: 5 }, ResultPath: '$.defaults' });
    expect(definition.States.ApplyDefaults).toMatchObject({ Parameters: { 'job.$': 'States.JsonMerge($.defaults, $.job, false)' }, Next: 'PlanChunks' });
  });

  it('retries a failed chunk with backoff, after a longer retrier for Lambda throttling, but never a bad input, a taken output prefix or another model\'s output', () => {
    const retry = workerOf(synth({ retry: { maxAttempts: 4, backoffRate: 3, interval: Duration.seconds(20) } }).definition).Retry;
    expect(retry).toEqual([
      expect.objectContaining({ ErrorEquals: expect.arrayContaining(['Lambda.TooManyRequestsException']), MaxAttempts: 6, BackoffRate: 2 }),
      { ErrorEquals: ['BadInput', 'OutputInUse', 'OtherModel'], MaxAttempts: 0 },
      { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 20, MaxAttempts: 4, BackoffRate: 3, JitterStrategy: 'FULL' },
    ]);
    expect(workerOf(synth().definition).Retry[2]).toMatchObject({ IntervalSeconds: 10, MaxAttempts: 2, BackoffRate: 2 });
  });

  it('routes a failed plan or map to finalize with the error, so every run writes a manifest', () => {
    const { definition } = synth();
    const toFinalize = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'FinalizeRun' }];
    expect(definition.States.PlanChunks!.Catch).toEqual(toFinalize);
    expect(mapOf(definition).Catch).toEqual(toFinalize);
  });

  it('returns nothing from a child, so the map collects a few bytes a chunk whatever their number', () => {
    expect(workerOf(synth().definition)).toMatchObject({ OutputPath: null });
  });

  it('retries a plan or finalize that fails in passing, but not a plan refused an output or an unreadable input, and ends a failed finalize in its own Fail', () => {
    const { definition } = synth();
    const passing = { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2, JitterStrategy: 'FULL' };
    expect(definition.States.PlanChunks!.Retry).toEqual([expect.objectContaining({ ErrorEquals: expect.arrayContaining(['Lambda.ServiceException']) }), { ErrorEquals: ['BadInput', 'OutputInUse', 'OtherModel'], MaxAttempts: 0 }, passing]);
    expect(definition.States.FinalizeRun!.Retry).toEqual([expect.objectContaining({ ErrorEquals: expect.arrayContaining(['Lambda.ServiceException']) }), passing]);
    expect(definition.States.FinalizeRun!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.finalizeError', Next: 'FinalizeFailed' }]);
    expect(definition.States.FinalizeFailed).toEqual({ Type: 'Fail', Error: 'FinalizeFailed', CausePath: '$.finalizeError.Cause' });
  });

  it('takes concurrency and chunks per invocation from the props', () => {
    expect(mapOf(synth({ maxConcurrency: 7, chunksPerInvocation: 3 }).definition)).toMatchObject({ MaxConcurrency: 7, ItemBatcher: { MaxItemsPerBatch: 3 } });
  });

  it('is a valid Amazon States Language definition', () => {
    expect(aslErrors(synth().definition)).toBe('');
  });

  it('is a Standard workflow that logs everything to its own log group, with X-Ray tracing', () => {
    synth().template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BatchLogs'), 'Arn'] } } }],
      },
    });
  });
});

describe('BatchScoring functions', () => {
  it('runs plan, worker and finalize on Node 24 arm64 with tracing; the worker gets 2 GB with a heap of 512 MB, 15 minutes, the models and batches of 4096 rows', () => {
    const { template } = synth();
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(3);
    for (const fn of functions) expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 2048,
      Timeout: 900,
      Environment: {
        Variables: { MODELS: '["/var/task/models/breast-cancer/1.0.0"]', POWERTOOLS_SERVICE_NAME: 'batch-score-chunk', NODE_OPTIONS: '--enable-source-maps --max-old-space-size=512', MAX_BATCH: '4096' },
      },
    });
    // Plan and finalize read no rows: V8's own heap sizing suits them.
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } } }, 2);
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 4);
  });

  it('takes worker memory and timeout from the props, and a quarter of the memory as its heap', () => {
    synth({ workerMemorySize: 4096, workerTimeout: Duration.minutes(5) }).template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 4096,
      Timeout: 300,
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps --max-old-space-size=1024' } },
    });
  });

  // A run's own objects, with its output a folder under the output prefix or the output prefix itself.
  const ofRuns = (prefix: string, name: string) => [objects(`${prefix}*/${name}`), objects(`${prefix}${name}`)];

  it("lets plan read the input prefix and earlier runs' plans, and write a run's plan, nothing else in the bucket", () => {
    const statements = statementsOf(synth().template, 'BatchPlanRole').filter((s) => JSON.stringify(s.Action).includes('s3:'));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DataBucket/), 'Arn'] } },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: [objects('/input/*'), ...ofRuns('/output/', '_plan/*')] },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: ofRuns('/output/', '_plan/*') },
    ]);
  });

  it("lets the worker read inputs, chunk commit records and the output's model claim, and write outputs in parts", () => {
    const statements = statementsOf(synth().template, 'BatchWorkerRole');
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 's3:GetObject', Resource: [objects('/input/*'), ...['*/_chunks/*', '*/_plan/model.json', '_chunks/*', '_plan/model.json'].map((p) => objects(`/output/${p}`))] });
    expect(statements).toContainEqual({ Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Resource: objects('/output/*') });
  });

  it('lets finalize read the output prefix and write manifests and rejects parts only', () => {
    const statements = statementsOf(synth().template, 'BatchFinalizeRole').filter((s) => JSON.stringify(s.Action).includes('s3:'));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DataBucket/), 'Arn'] } },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: objects('/output/*') },
      {
        Effect: 'Allow',
        Action: ['s3:AbortMultipartUpload', 's3:PutObject'],
        Resource: ['*/_manifest.json', '*/rejects/*', '_manifest.json', 'rejects/*'].map((p) => objects(`/output/${p}`)),
      },
    ]);
  });

  it('lets the state machine read chunk lists and invoke its three functions', () => {
    const statements = statementsOf(synth({ outputPrefix: 'scored/' }).template, 'BatchStateMachineRole');
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 's3:GetObject', Resource: ofRuns('/scored/', '_plan/chunks.json') });
    const invoke = statements.find((s) => s.Action === 'lambda:InvokeFunction');
    expect(JSON.stringify(invoke.Resource).match(/Batch(Plan|Worker|Finalize)Function/g)).toHaveLength(6);
  });

  it('grants KMS use of an encrypted bucket, decrypt and data keys only', () => {
    const { template } = synth({}, 'kms');
    for (const role of ['BatchPlanRole', 'BatchWorkerRole', 'BatchFinalizeRole']) {
      expect(statementsOf(template, role)).toContainEqual({
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] },
      });
    }
  });
});

describe('BatchScoring schedules', () => {
  it('starts the state machine on each schedule with the job, writing each run under its scheduled time', () => {
    const { template } = synth({ schedules: [nightly, { ...nightly, name: 'weekly', cron: 'rate(7 days)', timezone: undefined, format: 'parquet', idColumn: 'id', toleratedFailurePercentage: 5 }] });
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'nightly',
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      Target: { Arn: { Ref: Match.stringLikeRegexp('^BatchStateMachine') } },
    });
    const input = (name: string) => {
      const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule', { Properties: { Name: name } }))[0]!;
      const parts = schedule.Properties.Target.Input['Fn::Join'][1] as unknown[];
      return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'BUCKET')).join(''));
    };
    expect(input('nightly')).toEqual({
      job: { model: 'breast-cancer', input: 's3://BUCKET/input/daily/', output: 's3://BUCKET/output/daily/<aws.scheduler.scheduled-time>/', format: 'csv' },
    });
    expect(input('weekly').job).toMatchObject({ format: 'parquet', idColumn: 'id', toleratedFailurePercentage: 5 });
  });

  it('gives the schedules a role that may only start this state machine', () => {
    const { template } = synth({ schedules: [nightly] });
    const role = Object.entries(template.findResources('AWS::IAM::Role')).find(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    )!;
    expect(statementsOf(template, role[0])).toEqual([{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: expect.stringMatching(/^BatchStateMachine/) } }]);
  });
});

describe('DataBucket', () => {
  it('encrypts, refuses plain HTTP, blocks public access, logs accesses to a logs bucket and aborts abandoned uploads', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^DataAccessLogs') }, LogFilePrefix: 'data/' },
      // A worker stopped mid-upload leaves parts that S3 bills until they are aborted.
      LifecycleConfiguration: { Rules: [{ Id: 'AbortIncompleteUploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' }] },
    });
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [{ ExpirationInDays: 90, Status: 'Enabled' }] } });
    for (const policy of Object.values(template.findResources('AWS::S3::BucketPolicy'))) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
    template.resourceCountIs('AWS::S3::BucketPolicy', 2);
  });

  it('uses a rotated customer-managed key with bucket keys when asked, and keeps versions when asked', () => {
    const stack = unbundledStack();
    new DataBucket(stack, 'Data', { encryption: 'kms', versioned: true });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });
});

describe('BatchScoring checks', () => {
  it.each([
    ['an S3-managed bucket', {}, 's3-managed'],
    ['a KMS bucket and schedules', { schedules: [nightly] }, 'kms'],
  ] as const)('has no unacknowledged cdk-nag AwsSolutions finding with %s', (_, props, encryption) => {
    expect(nagFindings(synth(props, encryption).stack)).toEqual([]);
  });

  it('has no unacknowledged cdk-nag finding with an imported bucket', () => {
    const stack = unbundledStack();
    new BatchScoring(stack, 'Batch', { bucket: Bucket.fromBucketName(stack, 'Data', 'existing-data'), models, schedules: [nightly] });
    expect(nagFindings(stack)).toEqual([]);
  });

  it.each([
    ['workerTimeout', { workerTimeout: Duration.minutes(16) }, 'workerTimeout must be an integer between 1 and 900, got 960'],
    ['maxConcurrency', { maxConcurrency: 0 }, 'maxConcurrency must be an integer between 1 and 10000, got 0'],
    ['chunksPerInvocation', { chunksPerInvocation: 1001 }, 'chunksPerInvocation must be an integer between 1 and 1000, got 1001'],
    ['retry.maxAttempts', { retry: { maxAttempts: -1 } }, 'retry.maxAttempts must be an integer between 0 and 99, got -1'],
    ['models', { models: [] }, 'models must list at least one model'],
  ])('rejects an invalid %s, naming it', (_, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
