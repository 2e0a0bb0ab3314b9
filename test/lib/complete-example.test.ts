import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import completeConfig from '../../examples/complete.config.ts';
import { InferenceStack } from '../../lib/inference-stack.ts';
import { SERVICES } from '../../lib/model-metrics.ts';
import { definitionOf } from '../state-machines/definition.ts';
import { CDK_CONTEXT, nagFindings } from './cdk.ts';

describe('The complete example (examples/complete.config.ts)', () => {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new InferenceStack(app, completeConfig.stackName, { config: completeConfig });
  const template = Template.fromStack(stack);
  const alarmNamed = (name: string) => Object.values(template.findResources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.AlarmName === name)!.Properties;
  const retraining = () => {
    const machine = stack.getLogicalId(stack.retraining!.stateMachine.node.defaultChild as never);
    return definitionOf(Template.fromJSON({ Resources: { [machine]: template.toJSON().Resources[machine] } })).States as Record<string, any>;
  };

  it('serves tumor-ensemble on a GPU endpoint with a weighted challenger variant', () => {
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'InferenceComplete-tumor-ensemble' });
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [
        Match.objectLike({ VariantName: 'primary', InstanceType: 'ml.g5.xlarge', InitialVariantWeight: 1 }),
        Match.objectLike({ VariantName: 'challenger', InstanceType: 'ml.g5.xlarge', InitialVariantWeight: 0.1 }),
      ],
      DataCaptureConfig: Match.objectLike({ InitialSamplingPercentage: 20 }),
    });
  });

  it('names the invoke function\'s service as the endpoint dashboard and alarms read it', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: SERVICES.invoke }) } });
  });

  it('rolls the endpoint out linearly (20% every 3 minutes) with deployment guardrails rolled back by its 5xx and latency alarms', () => {
    template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: {
        BlueGreenUpdatePolicy: Match.objectLike({ TrafficRoutingConfiguration: { Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 20 }, WaitIntervalInSeconds: 180 } }),
        AutoRollbackConfiguration: { Alarms: [{ AlarmName: { Ref: Match.stringLikeRegexp('ServerErrorRate') } }, { AlarmName: { Ref: Match.stringLikeRegexp('LatencyP99') } }] },
      },
    });
  });

  it('notifies the alarm topic from the endpoint alarms, overhead latency above 50 ms included', () => {
    const [topic] = Object.keys(template.findResources('AWS::SNS::Topic'));
    for (const what of ['5xx-rate', 'model-latency-p99', 'overhead-latency-p99']) {
      expect(alarmNamed(`InferenceComplete-tumor-ensemble-endpoint-${what}`)).toMatchObject({ AlarmActions: [{ Ref: topic }], OKActions: [{ Ref: topic }] });
    }
    expect(alarmNamed('InferenceComplete-tumor-ensemble-endpoint-overhead-latency-p99')).toMatchObject({ MetricName: 'OverheadLatency', Threshold: 50_000 });
    expect(alarmNamed('InferenceComplete-tumor-ensemble-endpoint-model-latency-p99').Threshold).toBe(500_000);
  });

  it('scales both variants between 1 and 4 instances at 200 invocations per instance', () => {
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 2);
    template.allResourcesProperties('AWS::ApplicationAutoScaling::ScalableTarget', { ServiceNamespace: 'sagemaker', MinCapacity: 1, MaxCapacity: 4 });
    template.allResourcesProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 200, PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' } }),
    });
  });

  it('retrains breast-cancer on a GPU spot instance with checkpoints, both stopping limits, its hyperparameters and data channels', () => {
    const train = retraining().Train;
    expect(train.Resource).toBe('arn:aws:states:::sagemaker:createTrainingJob.sync');
    expect(train.Parameters).toMatchObject({
      AlgorithmSpecification: { TrainingImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/breast-cancer-training:1.0.0' },
      ResourceConfig: { InstanceType: 'ml.g4dn.2xlarge', InstanceCount: 1, VolumeSizeInGB: 50 },
      EnableManagedSpotTraining: true,
      CheckpointConfig: { S3Uri: 's3://acme-ml/checkpoints/breast-cancer', LocalPath: '/opt/ml/checkpoints' },
      StoppingCondition: { MaxRuntimeInSeconds: 7200, MaxWaitTimeInSeconds: 21600 },
      HyperParameters: { target: 'diagnosis', classes: 'benign,malignant', lambda: '0.5', 'model-name': 'breast-cancer' },
      OutputDataConfig: { S3OutputPath: 's3://acme-ml/training-output/breast-cancer' },
    });
    expect(train.Parameters.InputDataConfig.map((c: any) => [c.ChannelName, c.DataSource.S3DataSource.S3Uri])).toEqual([
      ['train', 's3://acme-ml/breast-cancer/train/'],
      ['holdout', 's3://acme-ml/breast-cancer/holdout/'],
    ]);
  });

  it('gates on a log-loss improvement of at least 0.002 and an approval, then registers and moves the registry pointer', () => {
    const states = retraining();
    expect(states.Gate.Choices[1].And[1]).toEqual({ Variable: '$.evaluation.improvement', NumericGreaterThanEquals: 0.002 });
    expect(states.Approve).toMatchObject({ Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', TimeoutSeconds: 48 * 3600, Next: 'Register' });
    expect(states.Register.Next).toBe('Deploy');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'retraining-deploy', REGISTRY_URI: 's3://acme-models/registry', GATE_METRIC: 'logLoss', LOWER_IS_BETTER: 'true' }) },
    });
  });

  it("starts that pipeline from breast-cancer's drift alarm", () => {
    const pipeline = stack.getLogicalId(stack.retraining!.stateMachine.node.defaultChild as never);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'retraining-trigger', RETRAINING_STATE_MACHINE_ARN: { Ref: pipeline } }) } });
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ resources: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitoringAlarmsbreastcancerdrift'), 'Arn'] }] }) });
  });

  it("watches tumor-ensemble's drift on the alarm topic, though only breast-cancer's drift starts the pipeline that retrains breast-cancer", () => {
    const [topic] = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(alarmNamed('InferenceComplete-tumor-ensemble-drift')).toMatchObject({
      MetricName: 'DriftDetected',
      Dimensions: expect.arrayContaining([{ Name: 'model', Value: 'tumor-ensemble' }]),
      AlarmActions: [{ Ref: topic }],
    });
    const tumorDrift = Object.keys(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'InferenceComplete-tumor-ensemble-drift' } }))[0]!;
    const retrainingRules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) => JSON.stringify(r).includes('drift'));
    expect(retrainingRules).toHaveLength(1);
    expect(JSON.stringify(retrainingRules[0])).not.toContain(tumorDrift);
  });

  it("counts Batch Transform runs beside the Lambda runs on every model's dashboard, the endpoint's included", () => {
    const transform = stack.getLogicalId(stack.batchTransform!.jobs['nightly-tumor-scans']!.stateMachine.node.defaultChild as never);
    const lambdaBatch = stack.getLogicalId(stack.batch!.stateMachine.node.defaultChild as never);
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(3);
    for (const dashboard of dashboards) {
      const body = JSON.stringify(dashboard.Properties.DashboardBody);
      expect(body).toContain('Batch runs (all models)');
      expect(body).toContain(transform);
      expect(body).toContain(lambdaBatch);
    }
  });

  it("shows breast-cancer's experiment on its dashboard: requests and p99 latency by version, and the shadow's agreement, difference, latency and failures", () => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard')).find((d) => JSON.stringify(d.Properties.DashboardName) === '"InferenceComplete-breast-cancer"')!;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['Requests by version (A/B split)', 'Latency p99 by version (ms)', 'Shadow 1.1.0: agreement (%) and failures', 'Shadow 1.1.0: mean |difference| and latency (ms)']) {
      expect(body).toContain(title.replaceAll('"', '\\"'));
    }
    for (const metric of ['ShadowAgreement', 'ShadowErrors', 'ShadowMeanAbsDiff', 'ShadowLatency']) expect(body).toMatch(new RegExp(`${metric}.{0,40}candidate.{0,8}1\\.1\\.0`));
    const other = Object.values(template.findResources('AWS::CloudWatch::Dashboard')).find((d) => JSON.stringify(d.Properties.DashboardName) === '"InferenceComplete-churn"')!;
    expect(JSON.stringify(other.Properties.DashboardBody)).not.toContain('Shadow');
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});
