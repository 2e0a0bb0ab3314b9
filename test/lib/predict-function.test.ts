import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PredictFunction, type PredictFunctionProps } from '../../lib/predict-function.ts';
import { CDK_CONTEXT, nagFindings, unbundledStack } from './cdk.ts';
import { SERVICES } from '../../lib/model-metrics.ts';

const bundled = { name: 'breast-cancer', source: 'models/breast-cancer/1.0.0' };
const inS3 = { name: 'churn', source: 's3://my-models/churn/2.1.0' };

function synth(props: Partial<PredictFunctionProps> = {}) {
  const stack = unbundledStack();
  const predict = new PredictFunction(stack, 'Predict', { models: [bundled], ...props });
  return { stack, predict, template: Template.fromStack(stack) };
}

const environment = (template: Template) =>
  Object.values(template.findResources('AWS::Lambda::Function'))[0]!.Properties.Environment.Variables as Record<string, string>;

const policyStatements = (template: Template) =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);

describe('PredictFunction', () => {
  it('serves the predict function on arm64 with Node 24, ESM handler, 1 GB and a 10 s timeout by default', () => {
    synth().template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 10,
      TracingConfig: { Mode: 'Active' },
    });
  });

  it('runs on x86_64 when asked', () => {
    synth({ architecture: Architecture.X86_64 }).template.hasResourceProperties('AWS::Lambda::Function', { Architectures: ['x86_64'] });
  });

  it('tells the handler where each model is: inside the asset when bundled, the s3:// URI otherwise', () => {
    const env = environment(synth({ models: [bundled, inS3] }).template);
    expect(JSON.parse(env.MODELS!)).toEqual(['/var/task/models/breast-cancer/1.0.0', 's3://my-models/churn/2.1.0']);
    expect(env).toMatchObject({ MODEL_CACHE_DIR: '/tmp/models' });
  });

  it('passes the inference limits and observability settings as environment, with their defaults', () => {
    expect(environment(synth().template)).toMatchObject({
      INTRA_OP_NUM_THREADS: '1',
      MAX_BATCH: '1000',
      MAX_BODY_BYTES: '1048576',
      // The name the dashboards and alarms read (SERVICES), not a second literal of it.
      POWERTOOLS_SERVICE_NAME: SERVICES.predict,
      POWERTOOLS_METRICS_NAMESPACE: 'ServerlessInference',
      LOG_LEVEL: 'INFO',
    });
    const env = environment(
      synth({ intraOpNumThreads: 2, maxBatch: 50, maxBodyBytes: 4096, logLevel: 'DEBUG', metricsNamespace: 'Acme/Inference' }).template,
    );
    expect(env).toMatchObject({ INTRA_OP_NUM_THREADS: '2', MAX_BATCH: '50', MAX_BODY_BYTES: '4096', LOG_LEVEL: 'DEBUG', POWERTOOLS_METRICS_NAMESPACE: 'Acme/Inference' });
  });

  it('logs to its own log group, kept 30 days by default', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('PredictLogs') } } });
    synth({ logRetention: RetentionDays.ONE_WEEK }).template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('reserves concurrency only when asked', () => {
    expect(synth().template.findResources('AWS::Lambda::Function', { Properties: { ReservedConcurrentExecutions: Match.anyValue() } })).toEqual({});
    synth({ reservedConcurrency: 20 }).template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 20 });
  });

  it('publishes the current version behind the alias live', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::Lambda::Version', 1);
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      FunctionVersion: { 'Fn::GetAtt': [Match.stringLikeRegexp('PredictFunctionCurrentVersion'), 'Version'] },
    });
  });

  it('grants only log writes to its own group and X-Ray tracing, with no managed policies', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    const statements = policyStatements(template);
    expect(statements).toHaveLength(2);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PredictLogs/), 'Arn'] },
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: expect.arrayContaining(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']),
      Resource: '*',
    });
  });

  it('may read exactly the objects under an S3 model prefix, nothing else in the bucket', () => {
    const statements = policyStatements(synth({ models: [inS3] }).template);
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::my-models/churn/2.1.0/*']] },
    });
    expect(statements.filter((s) => JSON.stringify(s).includes('s3:'))).toHaveLength(1);
  });

  it('passes cdk-nag AwsSolutions, with bundled and S3 models', () => {
    expect(nagFindings(synth({ models: [bundled, inS3] }).stack)).toEqual([]);
  });

  it.each([
    ['memorySize', { memorySize: 100 }, 'memorySize must be an integer between 128 and 10240, got 100'],
    ['timeout', { timeout: Duration.minutes(1) }, 'timeout must be an integer between 1 and 29, got 60'],
    ['intraOpNumThreads', { intraOpNumThreads: 8 }, 'intraOpNumThreads must be an integer between 1 and 6, got 8'],
    ['maxBatch', { maxBatch: 0 }, 'maxBatch must be an integer between 1 and 100000, got 0'],
    ['models', { models: [] }, 'models must list at least one model'],
    ['models[0].source', { models: [{ name: 'x', source: 'x.onnx' }] }, 'models[0].source must be a repo-relative folder'],
  ])('rejects an invalid %s, naming it', (_, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  it('serves an experiment\'s versions beside the primary, and passes the split and the shadow to the handler', () => {
    const experiment = { variants: [{ source: 'models/breast-cancer/1.1.0', percent: 10 }], stickyHeader: 'x-account', shadow: 'models/breast-cancer/1.1.0' };
    const env = environment(synth({ models: [{ ...bundled, experiment }] }).template);
    expect(JSON.parse(env.MODELS!)).toEqual(['/var/task/models/breast-cancer/1.0.0', '/var/task/models/breast-cancer/1.1.0', '/var/task/models/breast-cancer/1.1.0']);
    expect(JSON.parse(env.EXPERIMENTS!)).toEqual({ 'breast-cancer': { weights: { '1.0.0': 90, '1.1.0': 10 }, stickyHeader: 'x-account', shadow: '1.1.0' } });
    expect(environment(synth().template).EXPERIMENTS).toBeUndefined();
  });

  it.each([
    [{ variants: [{ source: 'models/breast-cancer/1.1.0', percent: 100 }] }, 'models[0].experiment.variants[0].percent must be a number above 0 and below 100, got 100'],
    [{ variants: [{ source: 'models/breast-cancer/1.0.0', percent: 10 }] }, 'models[0].experiment.variants[0].source serves version 1.0.0 a second time'],
    [{ stickyHeader: 'x user' }, 'models[0].experiment.stickyHeader must be an HTTP header name, got "x user"'],
    [{ shadow: 'nowhere' }, 'models[0].experiment.shadow must be a repo-relative folder'],
    [{ shadow: 's3://acme-models/breast-cancer/next' }, 'models[0].experiment.shadow must end in the model version (s3://bucket/prefix/1.0.0) for the experiment, which routes requests by version; got s3://acme-models/breast-cancer/next'],
  ])('refuses an invalid experiment %j, naming the prop', (experiment, message) => {
    expect(() => synth({ models: [{ ...bundled, experiment }] })).toThrow(message);
  });

  it('refuses at synth a bundled package that is missing or is another model than the config names', () => {
    expect(() => synth({ models: [{ name: 'breast-cancer', source: 'models/breast-cancer/9.9.9' }] })).toThrow(
      'models[0].source: no model package at models/breast-cancer/9.9.9',
    );
    expect(() => synth({ models: [{ name: 'wine', source: 'models/breast-cancer/1.0.0' }] })).toThrow(
      'models[0]: config names wine 1.0.0 but models/breast-cancer/1.0.0/model.json holds breast-cancer 1.0.0',
    );
  });
});

const dirSize = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => sum + (e.isDirectory() ? dirSize(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);

const files = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));

describe('PredictFunction bundling', () => {
  it('ships the bundle, only the linux/arm64 onnxruntime binary and the model package, under 50 MB unzipped', () => {
    const app = new App({ context: CDK_CONTEXT });
    onTestFinished(() => rmSync(app.outdir, { recursive: true, force: true }));
    const stack = new Stack(app, 'Bundled');
    const predict = new PredictFunction(stack, 'Predict', { models: [bundled] });
    const asset = predict.function.node.findChild('Code') as Asset;
    const dir = join(app.outdir, asset.assetPath);

    const shipped = files(dir);
    const binaries = shipped.filter((f) => f.endsWith('.node'));
    expect(binaries).toEqual(['node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/onnxruntime_binding.node']);
    expect(shipped).toContain('node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/libonnxruntime.so.1');
    expect(shipped).toEqual(expect.arrayContaining(['index.mjs', 'models/breast-cancer/1.0.0/model.onnx', 'models/breast-cancer/1.0.0/model.json']));
    expect(readdirSync(join(dir, 'node_modules')).sort()).toEqual(['onnxruntime-common', 'onnxruntime-node']);
    const megabytes = dirSize(dir) / 1e6;
    console.info(`predict asset: ${megabytes.toFixed(1)} MB unzipped`);
    expect(megabytes).toBeLessThan(50);
  });
});

describe('PredictFunction capture', () => {
  it('tells the handler where and how much to capture, and may only put objects under the capture prefix', async () => {
    const { Bucket } = await import('aws-cdk-lib/aws-s3');
    const stack = unbundledStack();
    const bucket = new Bucket(stack, 'Monitoring');
    new PredictFunction(stack, 'Predict', { models: [bundled], capture: { bucket, prefix: 'captures', sampleRate: 0.05, features: ['mean_radius'] } });
    const template = Template.fromStack(stack);
    const env = environment(template);
    expect(env).toMatchObject({ CAPTURE_SAMPLE_RATE: '0.05', CAPTURE_FEATURES: '["mean_radius"]' });
    expect(env.CAPTURE_URI).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^Monitoring/) }, '/captures']] });
    const s3 = policyStatements(template).filter((s) => JSON.stringify(s).includes('s3:'));
    expect(s3).toEqual([
      { Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Monitoring/), 'Arn'] }, '/captures/*']] } },
    ]);
    expect(nagFindings(stack).filter((f) => f.includes('Predict'))).toEqual([]);
  });

  it('rejects a sample rate outside 0..1 and a prefix with a trailing slash', async () => {
    const { Bucket } = await import('aws-cdk-lib/aws-s3');
    const stack = unbundledStack();
    const bucket = new Bucket(stack, 'Monitoring');
    expect(() => new PredictFunction(stack, 'A', { models: [bundled], capture: { bucket, prefix: 'captures', sampleRate: 2 } })).toThrow(
      'capture.sampleRate must be a number between 0 and 1, got 2',
    );
    expect(() => new PredictFunction(stack, 'B', { models: [bundled], capture: { bucket, prefix: 'captures/' } })).toThrow("capture.prefix must be a key prefix without leading or trailing '/'");
  });
});
