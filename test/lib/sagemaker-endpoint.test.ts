import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { InferenceConfig, RolloutConfig } from '../../lib/config.ts';
import { InferenceStack } from '../../lib/inference-stack.ts';
import type { SageMakerServing } from '../../lib/sagemaker-config.ts';
import { CDK_CONTEXT, nagFindings } from './cdk.ts';

const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/tumor-ensemble:1.0.0';
const DATA = 's3://acme-models/tumor-ensemble/1.0.0/model.tar.gz';
const gpu: SageMakerServing = { kind: 'sagemaker', image: IMAGE, modelData: DATA, modelJson: 'examples/models/tumor-ensemble/1.0.0/model.json' };

function synth(serving: Partial<SageMakerServing> = {}, extra: Partial<InferenceConfig> = {}) {
  const config: InferenceConfig = {
    stackName: 'Heavy',
    models: [
      { name: 'breast-cancer', source: 'models/breast-cancer/1.0.0' },
      { name: 'tumor-ensemble', source: 'examples/models/tumor-ensemble/1.0.0', serving: { ...gpu, ...serving } as SageMakerServing },
    ],
    ...extra,
  };
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new InferenceStack(app, config.stackName, { config });
  return { stack, template: Template.fromStack(stack) };
}

describe('SageMaker endpoint of a heavy model', () => {
  const { stack, template } = synth();

  it('serves the model on GPU instances (ml.g5.xlarge by default) from its image and model data, network-isolated', () => {
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: Match.objectLike({ Image: IMAGE, ModelDataUrl: DATA }),
      EnableNetworkIsolation: true,
    });
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ VariantName: 'primary', InstanceType: 'ml.g5.xlarge', InitialInstanceCount: 1, InitialVariantWeight: 1 })],
    });
    // g5 has local NVMe storage, encrypted by the instance: SageMaker refuses a volume key there.
    const config = Object.values(template.findResources('AWS::SageMaker::EndpointConfig'))[0]!;
    expect(config.Properties.KmsKeyId).toBeUndefined();
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'Heavy-tumor-ensemble' });
    // The predict function does not load it: only the Lambda-served model is in MODELS.
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ MODELS: '["/var/task/models/breast-cancer/1.0.0"]' }) } });
  });

  it('captures 10% of requests and responses, KMS-encrypted, into the monitoring bucket', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: 10,
        DestinationS3Uri: Match.anyValue(),
        KmsKeyId: Match.anyValue(),
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
        CaptureContentTypeHeader: { JsonContentTypes: ['application/json'] },
      },
    });
    const uri = JSON.stringify(Object.values(template.findResources('AWS::SageMaker::EndpointConfig'))[0]!.Properties.DataCaptureConfig.DestinationS3Uri);
    expect(uri).toMatch(/MonitoringData/);
    expect(uri).toMatch(/sagemaker-captures\/tumor-ensemble/);
  });

  it('rolls out with deployment guardrails: a 10% canary for 5 minutes, rolled back by the endpoint 5xx and latency alarms', () => {
    template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: {
        BlueGreenUpdatePolicy: Match.objectLike({
          TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 }, WaitIntervalInSeconds: 300 },
        }),
        AutoRollbackConfiguration: { Alarms: [{ AlarmName: { Ref: Match.stringLikeRegexp('ServerErrorRate') } }, { AlarmName: { Ref: Match.stringLikeRegexp('LatencyP99') } }] },
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Heavy-tumor-ensemble-endpoint-5xx-rate',
      Metrics: Match.arrayWith([
        Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ Namespace: 'AWS/SageMaker', MetricName: 'Invocation5XXErrors' }) }) }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Heavy-tumor-ensemble-endpoint-model-latency-p99',
      Namespace: 'AWS/SageMaker',
      MetricName: 'ModelLatency',
      ExtendedStatistic: 'p99',
      Threshold: 1_000_000,
      Dimensions: Match.arrayWith([{ Name: 'EndpointName', Value: 'Heavy-tumor-ensemble' }]),
    });
  });

  it('notifies the alarm topic on ALARM and on OK from every endpoint alarm, as the Lambda-served models do', () => {
    const [topic] = Object.keys(template.findResources('AWS::SNS::Topic'));
    const endpointAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) => String(a.Properties.AlarmName).startsWith('Heavy-tumor-ensemble-endpoint-'));
    expect(endpointAlarms.map((a) => a.Properties.AlarmName).sort()).toEqual([
      'Heavy-tumor-ensemble-endpoint-5xx-rate',
      'Heavy-tumor-ensemble-endpoint-model-latency-p99',
      'Heavy-tumor-ensemble-endpoint-overhead-latency-p99',
    ]);
    for (const alarm of endpointAlarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topic }]);
    }
    // Without monitoring there is no topic: the alarms still guard deployments.
    const quiet = Object.values(synth({}, { monitoring: { enabled: false } }).template.findResources('AWS::CloudWatch::Alarm'));
    expect(quiet.filter((a) => String(a.Properties.AlarmName).includes('-endpoint-')).map((a) => a.Properties.AlarmActions)).toEqual([undefined, undefined, undefined]);
  });

  it('notifies the alarm topic when the endpoint overhead latency p99 is above 100 ms for 15 minutes, or the configured threshold', () => {
    const overhead = (t: Template) => Object.values(t.findResources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.AlarmName === 'Heavy-tumor-ensemble-endpoint-overhead-latency-p99')!.Properties;
    expect(overhead(template)).toMatchObject({
      Namespace: 'AWS/SageMaker',
      MetricName: 'OverheadLatency',
      ExtendedStatistic: 'p99',
      Dimensions: [
        { Name: 'EndpointName', Value: 'Heavy-tumor-ensemble' },
        { Name: 'VariantName', Value: 'primary' },
      ],
      Period: 300,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      // SageMaker reports microseconds.
      Threshold: 100_000,
    });
    expect(overhead(synth({ overheadLatencyP99Ms: 250 }).template).Threshold).toBe(250_000);
  });

  it('shows the model on its own dashboard: invocations, errors, ModelLatency and OverheadLatency of each variant, and the endpoint alarms first', () => {
    const { template: ab } = synth({ variants: [{ name: 'challenger', modelData: 's3://acme-models/tumor-ensemble/2.0.0/model.tar.gz', weight: 0.25 }] });
    const dashboard = Object.values(ab.findResources('AWS::CloudWatch::Dashboard')).find((d) => d.Properties.DashboardName === 'Heavy-tumor-ensemble');
    expect(dashboard).toBeDefined();
    // The body is a Fn::Join of JSON text and references: each reference becomes the logical id it names.
    const [, parts] = dashboard!.Properties.DashboardBody['Fn::Join'] as [string, (string | { Ref?: string; 'Fn::GetAtt'?: string[] })[]];
    const body = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : (p.Ref ?? p['Fn::GetAtt']![0]))).join('')) as { widgets: { properties: Record<string, any> }[] };
    const graphed = body.widgets.flatMap((w) => (w.properties.metrics ?? []) as unknown[][]).filter((m) => m[0] === 'AWS/SageMaker').map((m) => `${m[1]} ${m[5]}`);
    for (const metric of ['Invocations', 'Invocation4XXErrors', 'Invocation5XXErrors', 'ModelLatency', 'OverheadLatency']) {
      expect(graphed).toEqual(expect.arrayContaining([`${metric} primary`, `${metric} challenger`]));
    }
    const overhead = body.widgets.find((w) => w.properties.title === 'OverheadLatency (µs)')!;
    expect(overhead.properties.annotations.horizontal).toEqual([expect.objectContaining({ value: 100_000, label: 'p99 alarm' })]);
    const alarms = body.widgets.find((w) => w.properties.title === 'Alarms')!.properties.alarms as string[];
    const endpointAlarms = alarms.filter((id) => id.startsWith('SageMakerEndpointtumorensemble'));
    expect(endpointAlarms.map((id) => id.replace(/^SageMakerEndpointtumorensemble|[0-9A-F]{8}$/g, ''))).toEqual(['ServerErrorRate', 'LatencyP99', 'OverheadLatencyP99']);
    // The model's own drift and live-quality alarms follow (tested with monitoring).
    expect(alarms.slice(0, 3)).toEqual(endpointAlarms);
  });

  it('maps a linear policy without rollback, and all-at-once for serverless', () => {
    const linear: RolloutConfig = { strategy: 'linear', percent: 25, intervalMinutes: 90, autoRollback: false };
    const endpoint = Object.values(synth({}, { rollout: linear }).template.findResources('AWS::SageMaker::Endpoint'))[0]!;
    expect(endpoint.Properties.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration).toEqual({ Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 }, WaitIntervalInSeconds: 3600 });
    expect(endpoint.Properties.DeploymentConfig.AutoRollbackConfiguration).toBeUndefined();
    const serverless = synth({ serverless: { memoryMb: 4096, maxConcurrency: 20 } }).template;
    serverless.hasResourceProperties('AWS::SageMaker::EndpointConfig', { ProductionVariants: [Match.objectLike({ ServerlessConfig: { MemorySizeInMB: 4096, MaxConcurrency: 20 } })] });
    serverless.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    const ep = Object.values(serverless.findResources('AWS::SageMaker::Endpoint'))[0]!;
    expect(ep.Properties.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.Type).toBe('ALL_AT_ONCE');
  });

  it('scales each variant between min and max instances on invocations per instance, and weights the variants', () => {
    const { template: ab } = synth({ minInstances: 2, maxInstances: 6, instanceType: 'ml.g5.2xlarge', variants: [{ name: 'challenger', modelData: 's3://acme-models/tumor-ensemble/2.0.0/model.tar.gz', weight: 0.25 }] });
    ab.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [
        Match.objectLike({ VariantName: 'primary', InstanceType: 'ml.g5.2xlarge', InitialInstanceCount: 2, InitialVariantWeight: 1 }),
        Match.objectLike({ VariantName: 'challenger', InitialVariantWeight: 0.25 }),
      ],
    });
    ab.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 2);
    ab.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ServiceNamespace: 'sagemaker',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      MinCapacity: 2,
      MaxCapacity: 6,
    });
    const ids = Object.values(ab.findResources('AWS::ApplicationAutoScaling::ScalableTarget')).map((r) => JSON.stringify(r.Properties.ResourceId));
    expect(ids).toEqual([expect.stringContaining('"variant/primary"'), expect.stringContaining('"variant/challenger"')]);
    for (const id of ids) expect(id).toMatch(/^\{"Fn::Join":\["\/",\["endpoint",\{"Fn::GetAtt":\["\w+Endpoint\w+","EndpointName"\]\}/);
    ab.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 100, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' } }),
    });
    // ml.m5.xlarge has no local storage: its volume is encrypted with the endpoint's key.
    const cpu = Object.values(synth({ instanceType: 'ml.m5.xlarge' }).template.findResources('AWS::SageMaker::EndpointConfig'))[0]!;
    expect(cpu.Properties.KmsKeyId).toBeDefined();
  });

  it('scopes the execution role to its image repository, model data object and log group, and the invoke function to its endpoint', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const of = (action: string) => statements.filter((s) => [s.Action].flat().includes(action)).map((s) => JSON.stringify(s.Resource));
    expect(of('ecr:BatchGetImage')).toEqual([expect.stringContaining(':ecr:eu-west-1:123456789012:repository/tumor-ensemble')]);
    expect(of('s3:GetObject').filter((r) => r.includes('acme-models'))).toEqual([expect.stringContaining(':s3:::acme-models/tumor-ensemble/1.0.0/model.tar.gz"')]);
    expect(of('logs:PutLogEvents').some((r) => r.includes('/aws/sagemaker/Endpoints/Heavy-tumor-ensemble:log-stream:*'))).toBe(true);
    expect(of('sagemaker:InvokeEndpoint')).toEqual([expect.stringContaining(':endpoint/heavy-tumor-ensemble"')]);
  });

  it('routes /models/{name} and /v2/models/{name} of the SageMaker model to the invoke function, everything else to the predict alias', () => {
    const resources = template.findResources('AWS::ApiGateway::Resource');
    const parts = Object.values(resources).map((r) => r.Properties.PathPart as string);
    expect(parts.filter((p) => p === 'tumor-ensemble')).toHaveLength(2);
    expect(parts.filter((p) => p === 'models')).toHaveLength(2);
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    const idOf = (part: string) => Object.entries(resources).filter(([, r]) => r.Properties.PathPart === part).map(([id]) => id);
    const modelIds = new Set(idOf('tumor-ensemble'));
    const proxyUnderModel = Object.entries(resources).filter(([, r]) => r.Properties.PathPart === '{proxy+}' && modelIds.has(r.Properties.ParentId.Ref)).map(([id]) => id);
    const invokes = methods.filter((m) => JSON.stringify(m.Properties.Integration.Uri).includes('SageMakerInvoke'));
    expect(invokes.map((m) => m.Properties.ResourceId.Ref).sort()).toEqual([...modelIds, ...proxyUnderModel].sort());
    for (const m of methods.filter((m) => !invokes.includes(m))) expect(JSON.stringify(m.Properties.Integration.Uri)).toMatch(/PredictLive/);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(nagFindings(stack)).toEqual([]);
    expect(nagFindings(synth({ vpc: { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] }, dataCaptureSamplePercent: 0 }, { monitoring: { enabled: false } }).stack)).toEqual([]);
  });
});
