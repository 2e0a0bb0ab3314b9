import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import defaultConfig from '../../inference.config.ts';
import type { InferenceConfig } from '../../lib/config.ts';
import { InferenceStack } from '../../lib/inference-stack.ts';
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

  it('outputs the API URL, the function name and the alias ARN', () => {
    const outputs = synth().template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual(['ApiUrl', 'PredictAliasArn', 'PredictFunctionName']);
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
  ] as const)('has no unacknowledged cdk-nag AwsSolutions finding with %s', (_, config) => {
    expect(nagFindings(synth(config).stack)).toEqual([]);
  });

  it('refuses an invalid config, naming the prop', () => {
    expect(() => synth({ ...defaultConfig, predict: { memorySize: 20_000 } })).toThrow('predict.memorySize must be an integer between 128 and 10240, got 20000');
  });
});
