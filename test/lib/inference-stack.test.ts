import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import completeConfig from '../../examples/complete.config.ts';
import defaultConfig from '../../inference.config.ts';
import type { InferenceConfig } from '../../lib/config.ts';
import { InferenceStack } from '../../lib/inference-stack.ts';
import { definitionOf } from '../state-machines/definition.ts';
import { CDK_CONTEXT, nagFindings } from './cdk.ts';

function synth(config: InferenceConfig = defaultConfig) {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new InferenceStack(app, config.stackName, { config });
  return { stack, template: Template.fromStack(stack) };
}

describe('InferenceStack', () => {
  it('serves the default config: the bundled model on an arm64 Node 24 function behind an IAM-authenticated API', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: { Variables: { MODELS: '["/var/task/models/breast-cancer/1.0.0"]' } },
    });
    template.allResourcesProperties('AWS::ApiGateway::Method', { AuthorizationType: 'AWS_IAM' });
  });

  it('invokes the live alias, not the unqualified function, so rollouts control what the API serves', () => {
    const { template } = synth();
    const uris = Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => JSON.stringify(m.Properties.Integration.Uri));
    expect(uris).toHaveLength(2);
    for (const uri of uris) expect(uri).toMatch(/PredictLive/);
  });

  it('outputs the API URL, the function name, the alias ARN and, with batch scoring, monitoring and rollout, their state machines, buckets, topic and deployment group', () => {
    const outputs = synth().template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual([
      'AlarmTopicArn',
      'ApiUrl',
      'BatchDataBucketName',
      'BatchStateMachineArn',
      'DeploymentGroupName',
      'MonitoringBucketName',
      'PredictAliasArn',
      'PredictFunctionName',
      'RetrainingStateMachineArn',
    ]);
    const { batch: _, ...withoutBatch } = defaultConfig;
    const bare = synth({ ...withoutBatch, monitoring: { enabled: false }, rollout: { enabled: false } });
    expect(Object.keys(bare.template.findOutputs('*')).sort()).toEqual(['ApiUrl', 'PredictAliasArn', 'PredictFunctionName']);
  });

  it('builds batch scoring over a created, S3-managed data bucket by default, with no schedule', () => {
    const { template } = synth({ ...defaultConfig, monitoring: { enabled: false } });
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: Match.anyValue() });
  });

  it('passes every batch setting of the complete example to the constructs', () => {
    // Without retraining and the Batch Transform schedule, whose state machines would be more than one (the latter is tested below).
    const { retraining: _, ...batchOnly } = completeConfig;
    const schedules = completeConfig.batch.schedules.filter((s) => s.engine !== 'sagemaker-batch-transform');
    const { template } = synth({ ...batchOnly, batch: { ...completeConfig.batch, schedules }, monitoring: { enabled: false } });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' }, LoggingConfiguration: Match.anyValue() });
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [{ ExpirationInDays: 365, Status: 'Enabled' }] } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 4096,
      Timeout: 600,
      Environment: { Variables: { MODELS: '["/var/task/models/breast-cancer/1.0.0","s3://acme-models/churn/2.1.0"]', INTRA_OP_NUM_THREADS: '2', MAX_BATCH: '4096' } },
    });
    const definition = definitionOf(template);
    expect(definition.States.Defaults).toMatchObject({ Result: { chunkBytes: 128 * 1024 * 1024, toleratedFailurePercentage: 1 } });
    expect(definition.States.ScoreChunks).toMatchObject({ MaxConcurrency: 100, ItemBatcher: { MaxItemsPerBatch: 2 } });
    expect(JSON.stringify(definition)).toContain('"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":30,"MaxAttempts":3,"BackoffRate":2');
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { Name: 'weekly-churn', ScheduleExpression: 'rate(7 days)' });
    expect(JSON.stringify(template.toJSON())).toContain('/scored/*/_plan/chunks.json');
  });

  it("runs the complete example's Batch Transform schedule on a transform model of its own: the endpoint's primary container, run as a role that alone may read that input and write that output", () => {
    const { template } = synth({ ...completeConfig, monitoring: { enabled: false } });
    const machines = Object.entries(template.findResources('AWS::StepFunctions::StateMachine'));
    const [transformId, transform] = machines.find(([id]) => id.startsWith('BatchTransformnightlytumorscans'))!;
    const models = template.findResources('AWS::SageMaker::Model');
    const modelId = (pattern: RegExp) => Object.keys(models).find((id) => pattern.test(id))!;
    const transformModel = modelId(/^SageMakerEndpointtumorensembleTransformModel[0-9A-F]{8}$/);
    const endpointModel = modelId(/^SageMakerEndpointtumorensembleModel[0-9A-F]{8}$/);
    const parts = transform.Properties.DefinitionString['Fn::Join'][1] as unknown[];
    const at = parts.findIndex((p) => typeof p === 'string' && p.endsWith('"ModelName":"'));
    expect(parts[at + 1]).toEqual({ 'Fn::GetAtt': [transformModel, 'ModelName'] });
    expect(models[transformModel]!.Properties.PrimaryContainer).toEqual(models[endpointModel]!.Properties.PrimaryContainer);
    template.resourceCountIs('AWS::Scheduler::Schedule', 3);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { Name: 'nightly-tumor-scans', Target: { Arn: { Ref: transformId } } });
    const statementsOf = (model: string) => {
      const role = models[model]!.Properties.ExecutionRoleArn['Fn::GetAtt'][0];
      return JSON.stringify(
        Object.values(template.findResources('AWS::IAM::Policy'))
          .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
          .flatMap((p) => p.Properties.PolicyDocument.Statement),
      );
    };
    expect(statementsOf(transformModel)).toContain('/incoming/scans/*');
    expect(statementsOf(transformModel)).toContain('/scored/scans/*');
    expect(statementsOf(endpointModel)).not.toContain('/incoming/scans/');
    expect(statementsOf(endpointModel)).not.toContain('/scored/scans/');
  });

  it('uses an existing data bucket by name instead of creating one', () => {
    const { template } = synth({ ...defaultConfig, batch: { bucket: { existingBucketName: 'acme-data' } }, monitoring: { enabled: false } });
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(template.findOutputs('BatchDataBucketName').BatchDataBucketName!.Value).toBe('acme-data');
    expect(JSON.stringify(template.toJSON())).toContain(':s3:::acme-data/input/*');
  });

  it('outputs the API key id when callers use API keys', () => {
    const { template } = synth({ ...defaultConfig, api: { auth: 'apiKey' } });
    expect(Object.keys(template.findOutputs('ApiKeyId'))).toEqual(['ApiKeyId']);
  });

  it('passes every predict and api setting of the config to the constructs', () => {
    const { template } = synth({
      stackName: 'Custom',
      models: [{ name: 'churn', source: 's3://my-models/churn/2.1.0' }],
      metricsNamespace: 'Acme/Inference',
      predict: {
        memorySize: 2048,
        architecture: 'x86_64',
        reservedConcurrency: 5,
        timeoutSeconds: 20,
        intraOpNumThreads: 2,
        maxBatch: 10,
        maxBodyBytes: 2048,
        logRetentionDays: 7,
        logLevel: 'WARN',
      },
      api: { auth: 'apiKey', throttling: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 100, period: 'WEEK' }, accessLogRetentionDays: 365, cloudWatchRole: false },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 2048,
      Architectures: ['x86_64'],
      ReservedConcurrentExecutions: 5,
      Timeout: 20,
      Environment: {
        Variables: {
          MODELS: '["s3://my-models/churn/2.1.0"]',
          INTRA_OP_NUM_THREADS: '2',
          MAX_BATCH: '10',
          MAX_BODY_BYTES: '2048',
          LOG_LEVEL: 'WARN',
          POWERTOOLS_METRICS_NAMESPACE: 'Acme/Inference',
        },
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Throttle: { RateLimit: 5, BurstLimit: 10 }, Quota: { Limit: 100, Period: 'WEEK' } });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it.each([
    ['the default config', defaultConfig],
    ['API keys and an S3 model', { ...defaultConfig, models: [{ name: 'churn', source: 's3://my-models/churn/2.1.0' }], api: { auth: 'apiKey' } }],
    ['monitoring off', { ...defaultConfig, monitoring: { enabled: false } }],
    ['the complete example', completeConfig],
  ] as const)('has no unacknowledged cdk-nag AwsSolutions finding with %s', (_, config) => {
    expect(nagFindings(synth(config).stack)).toEqual([]);
  });

  it('refuses an invalid config, naming the prop', () => {
    expect(() => synth({ ...defaultConfig, predict: { memorySize: 20_000 } })).toThrow('predict.memorySize must be an integer between 128 and 10240, got 20000');
  });
});
