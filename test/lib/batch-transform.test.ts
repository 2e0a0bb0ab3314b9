import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import type { BatchScheduleConfig } from '../../lib/config.ts';
import { BatchTransform, jobNamePrefix, type TransformModel } from '../../lib/batch-transform.ts';
import { DataBucket } from '../../lib/data-bucket.ts';
import type { SageMakerServing } from '../../lib/sagemaker-config.ts';
import { SageMakerEndpoint } from '../../lib/sagemaker-endpoint.ts';
import { aslErrors, definitionOf, lambdaArn } from '../state-machines/definition.ts';
import { nagFindings, unbundledStack } from './cdk.ts';


const serving: SageMakerServing = {
  kind: 'sagemaker',
  image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/tumor-ensemble:1.0.0',
  modelData: 's3://acme-models/tumor-ensemble/1.0.0/model.tar.gz',
  modelJson: 'examples/models/tumor-ensemble/1.0.0/model.json',
};
const config = { name: 'tumor-ensemble', source: 'examples/models/tumor-ensemble/1.0.0', serving };
const nightly: BatchScheduleConfig = {
  name: 'nightly_tumor.scans',
  cron: 'cron(0 3 * * ? *)',
  timezone: 'Europe/Paris',
  model: 'tumor-ensemble',
  input: 'input/scans/',
  output: 'output/scans',
  engine: 'sagemaker-batch-transform',
};

/** A stack with one transform schedule over a plain model name and role, so the definition renders without SageMaker references. */
function synth(schedule: Partial<BatchScheduleConfig> = {}, encryption: 'kms' | 's3-managed' = 's3-managed') {
  const stack = unbundledStack();
  const bucket = new DataBucket(stack, 'Data', { encryption }).bucket;
  const role = new Role(stack, 'ModelRole', { assumedBy: new ServicePrincipal('sagemaker.amazonaws.com') });
  const model: TransformModel = { config, modelName: 'tumor-ensemble-model', role };
  const transform = new BatchTransform(stack, 'Transform', { bucket, models: { 'tumor-ensemble': model }, schedules: [{ ...nightly, ...schedule }] });
  const template = Template.fromStack(stack);
  return { stack, transform, template };
}

/** The statements of the policies attached to the role whose logical id starts with `role`. */
function statementsOf(template: Template, role: string): any[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref.startsWith(role)));
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
}
const objects = (pattern: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^DataBucket/), 'Arn'] }, pattern]] });
const sagemakerArn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]] });

describe('BatchTransform state machine', () => {
  it('names the job, runs CreateTransformJob.sync split by line with the output joined to the input, then finalizes', () => {
    const definition = definitionOf(synth().template);
    expect(definition.StartAt).toBe('NameJob');
    expect(definition.States.NameJob).toMatchObject({
      Type: 'Pass',
      Parameters: {
        'transformJob.$': "States.Format('nightly-tumor-scans-{}', States.UUID())",
        'startedAt.$': '$$.Execution.StartTime',
        model: { name: 'tumor-ensemble', version: '1.0.0', sha256: '6e23ed492f6c6f3cd869969e1150bb2c84094f282a13578aa89c0c0d33aa250e' },
      },
      ResultPath: '$.run',
      Next: 'Transform',
    });
    expect(definition.States.Transform).toEqual({
      Type: 'Task',
      Comment: expect.any(String),
      Resource: 'arn:aws:states:::sagemaker:createTransformJob.sync',
      TimeoutSeconds: 86400,
      Parameters: {
        'TransformJobName.$': '$.run.transformJob',
        ModelName: 'tumor-ensemble-model',
        BatchStrategy: 'MultiRecord',
        MaxPayloadInMB: 6,
        TransformInput: {
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', 'S3Uri.$': '$.job.input' } },
          ContentType: 'text/csv',
          SplitType: 'Line',
          CompressionType: 'None',
        },
        TransformOutput: { 'S3OutputPath.$': '$.job.output', Accept: 'text/csv', AssembleWith: 'Line' },
        TransformResources: { InstanceType: 'ml.g5.xlarge', InstanceCount: 1 },
        DataProcessing: { JoinSource: 'Input' },
        Tags: [
          { Key: 'model', Value: 'tumor-ensemble' },
          { Key: 'schedule', Value: 'nightly_tumor.scans' },
        ],
      },
      ResultSelector: { 'status.$': '$.TransformJobStatus' },
      ResultPath: '$.transform',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'FinalizeRun' }],
      Next: 'FinalizeRun',
    });
    expect(definition.States.FinalizeRun).toMatchObject({ Type: 'Task', Resource: expect.stringMatching(/^arn:aws:lambda:us-east-1:123456789012:function:TransformFinalize/), ResultPath: '$.result', Next: 'RunSucceeded' });
    expect(definition.States.RunSucceeded).toMatchObject({ Choices: [{ Variable: '$.result.status', StringEquals: 'succeeded', Next: 'Succeeded' }], Default: 'Failed' });
    expect(definition.States.Failed).toEqual({ Type: 'Fail', Error: 'BatchRunFailed', CausePath: '$.result.manifest' });
  });

  it('takes every transform option from the schedule', () => {
    const definition = definitionOf(
      synth({
        format: 'jsonl',
        transform: { instanceType: 'ml.c5.2xlarge', instanceCount: 3, maxPayloadMb: 10, maxConcurrentTransforms: 4, batchStrategy: 'SingleRecord', maxRuntimeSeconds: 7200 },
      }).template,
    );
    expect(definition.States.Transform).toMatchObject({
      TimeoutSeconds: 7200,
      Parameters: {
        BatchStrategy: 'SingleRecord',
        MaxPayloadInMB: 10,
        MaxConcurrentTransforms: 4,
        TransformInput: { ContentType: 'application/jsonlines', SplitType: 'Line' },
        TransformOutput: { Accept: 'application/jsonlines', AssembleWith: 'Line' },
        TransformResources: { InstanceType: 'ml.c5.2xlarge', InstanceCount: 3 },
      },
    });
  });

  it('encrypts the output with the bucket key when the bucket has one', () => {
    const { template } = synth({}, 'kms');
    const key = Object.keys(template.findResources('AWS::KMS::Key'))[0]!;
    // definitionOf renders every `Fn::GetAtt [id, Arn]` as lambdaArn(id): here, the key's ARN.
    expect(definitionOf(template).States.Transform).toMatchObject({ Parameters: { TransformOutput: { KmsKeyId: lambdaArn(key) } } });
  });

  it('is a valid Amazon States Language definition', () => {
    expect(aslErrors(definitionOf(synth().template))).toBe('');
  });

  it('is a Standard workflow with a timeout past the job, logging everything to its own log group, with X-Ray tracing', () => {
    synth().template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TransformnightlytumorscansLogs'), 'Arn'] } } }] },
    });
    expect((definitionOf(synth().template) as { TimeoutSeconds?: number }).TimeoutSeconds).toBe(86400 + 3600);
  });
});

describe('BatchTransform schedule', () => {
  it('starts the state machine with the job, writing each run under its scheduled time', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'nightly_tumor.scans',
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      Target: { Arn: { Ref: Match.stringLikeRegexp('^TransformnightlytumorscansStateMachine') } },
    });
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0]!;
    const parts = schedule.Properties.Target.Input['Fn::Join'][1] as unknown[];
    expect(JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'BUCKET')).join(''))).toEqual({
      job: { model: 'tumor-ensemble', input: 's3://BUCKET/input/scans/', output: 's3://BUCKET/output/scans/<aws.scheduler.scheduled-time>/', format: 'csv' },
    });
  });
});

describe('BatchTransform permissions', () => {
  it("lets the state machine create, watch, stop and tag only this schedule's jobs, with no iam:PassRole", () => {
    const { template } = synth();
    const statements = statementsOf(template, 'TransformnightlytumorscansStateMachineRole');
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['sagemaker:AddTags', 'sagemaker:CreateTransformJob', 'sagemaker:DescribeTransformJob', 'sagemaker:ListTags', 'sagemaker:StopTransformJob'],
      Resource: sagemakerArn('transform-job/nightly-tumor-scans-*'),
    });
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'] }));
    expect(JSON.stringify(statements)).not.toContain('iam:PassRole');
    expect(statements.flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith('sagemaker:'))).toHaveLength(5);
  });

  it("lets SageMaker, as the model's role, read the schedule's input and write its output only", () => {
    const { template } = synth({}, 'kms');
    const statements = statementsOf(template, 'ModelRole');
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 's3:GetObject', Resource: objects('/input/scans/*') });
    expect(statements).toContainEqual({ Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Resource: objects('/output/scans/*') });
    expect(statements).toContainEqual(expect.objectContaining({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['input/scans/*'] } } }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }));
  });

  it('lets finalize read the batch prefixes and write (the manifest, streamed rejects) only under the output prefix', () => {
    const statements = statementsOf(synth().template, 'TransformFinalizeRole');
    expect(statements).toContainEqual({ Effect: 'Allow', Action: 's3:GetObject', Resource: [objects('/input/*'), objects('/output/*')] });
    expect(statements).toContainEqual({ Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Resource: objects('/output/*') });
  });

  it.each(['s3-managed', 'kms'] as const)("has no unacknowledged cdk-nag finding with the endpoint's transform model and role (%s bucket)", (encryption) => {
    const stack = unbundledStack();
    const bucket = encryption === 'kms' ? new DataBucket(stack, 'Data', { encryption }).bucket : Bucket.fromBucketName(stack, 'Data', 'existing-data');
    const endpoint = new SageMakerEndpoint(stack, 'Endpoint', { name: 'tumor-ensemble', serving });
    new BatchTransform(stack, 'Transform', {
      bucket,
      models: { 'tumor-ensemble': { config, modelName: endpoint.transformModel().model.attrModelName, role: endpoint.transformModel().role } },
      schedules: [nightly, { ...nightly, name: 'weekly', cron: 'rate(7 days)', input: 'input/weekly.csv', output: 'output/weekly/' }],
    });
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('jobNamePrefix', () => {
  it('keeps letters, digits and dashes in lowercase, leaving room for the uuid', () => {
    expect(jobNamePrefix('Nightly_Tumor.Scans')).toBe('nightly-tumor-scans');
    expect(jobNamePrefix('a-very-long-schedule-name-that-goes-on')).toBe('a-very-long-schedule-name');
    expect(jobNamePrefix('__')).toBe('transform');
    expect(`${jobNamePrefix('x'.repeat(64))}-${crypto.randomUUID()}`.length).toBeLessThanOrEqual(63);
  });
});
