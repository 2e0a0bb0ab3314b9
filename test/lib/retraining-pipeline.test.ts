import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it, onTestFinished } from 'vitest';
import { validateConfig } from '../../lib/config.ts';
import { InferenceStack } from '../../lib/inference-stack.ts';
import { checkRetrainingConfig, type RetrainingPipelineConfig } from '../../lib/retraining-config.ts';
import { RetrainingPipeline } from '../../lib/retraining-pipeline.ts';
import { RETRAINING } from '../functions/retraining/config.ts';
import { aslErrors, definitionOf } from '../state-machines/definition.ts';
import { CDK_CONTEXT, nagFindings, unbundledStack } from './cdk.ts';



function synth(config: Partial<RetrainingPipelineConfig> = {}) {
  const stack = unbundledStack();
  const pipeline = new RetrainingPipeline(stack, 'Retraining', { config: { ...RETRAINING, ...config } });
  const template = Template.fromStack(stack);
  return { stack, pipeline, template, definition: definitionOf(template) };
}

const statementsOf = (template: Template, roleLogicalIdPrefix: string) =>
  Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(roleLogicalIdPrefix)))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Record<string, any>[]);

describe('RetrainingPipeline', () => {
  it('trains on a GPU instance with managed spot, checkpoints and both stopping limits, with s3:// URIs', () => {
    const { definition, template } = synth();
    const train = definition.States.Train as Record<string, any>;
    expect(train.Resource).toBe('arn:aws:states:::sagemaker:createTrainingJob.sync');
    expect(train.Parameters).toMatchObject({
      'TrainingJobName.$': '$.prepare.trainingJobName',
      AlgorithmSpecification: { TrainingImage: RETRAINING.trainingImage, TrainingInputMode: 'File' },
      HyperParameters: { lambda: '1', 'model-name': 'breast-cancer', 'model-version.$': '$.prepare.candidateVersion' },
      ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.g4dn.xlarge', VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 },
      EnableManagedSpotTraining: true,
      CheckpointConfig: { S3Uri: 's3://ml-data/checkpoints/breast-cancer', LocalPath: '/opt/ml/checkpoints' },
      OutputDataConfig: { S3OutputPath: 's3://ml-data/training-output' },
    });
    const uris = (train.Parameters.InputDataConfig as any[]).map((c) => [c.ChannelName, c.DataSource.S3DataSource.S3Uri]);
    expect(uris).toEqual([
      ['train', 's3://ml-data/breast-cancer/train/'],
      ['holdout', 's3://ml-data/breast-cancer/holdout/'],
    ]);
    expect(JSON.stringify(definition)).not.toContain('https://');
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'STANDARD' });
  });

  it('defaults to twice the runtime as the spot wait, and drops it without spot', () => {
    const defaults = synth({ maxRuntimeSeconds: undefined, maxWaitSeconds: undefined }).definition.States.Train as Record<string, any>;
    expect(defaults.Parameters.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 14400, MaxWaitTimeInSeconds: 28800 });
    const onDemand = synth({ spot: false, maxWaitSeconds: undefined, checkpointS3Uri: undefined, instanceType: 'ml.p3.2xlarge' }).definition.States.Train as Record<string, any>;
    expect(onDemand.Parameters.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 3600 });
    expect(onDemand.Parameters.EnableManagedSpotTraining).toBe(false);
    expect(onDemand.Parameters.ResourceConfig.InstanceType).toBe('ml.p3.2xlarge');
  });

  it('has an explicit failure state for every step and a rollback before DeployFailed', () => {
    const { definition } = synth();
    const s = definition.States as Record<string, any>;
    const catchOf = (state: string) => s[state].Catch?.[0]?.Next;
    expect(catchOf('Prepare')).toBe('PrepareFailed');
    expect(catchOf('Train')).toBe('TrainingFailed');
    expect(catchOf('Evaluate')).toBe('EvaluationFailed');
    expect(catchOf('Register')).toBe('RegisterFailed');
    expect(catchOf('Deploy')).toBe('Rollback');
    expect(s.Rollback.Next).toBe('DeployFailed');
    expect(catchOf('Rollback')).toBe('RollbackFailed');
    expect(s.Gate.Default).toBe('CandidateRejected');
    expect(s.Gate.Choices[1]).toMatchObject({ And: [{ Variable: '$.evaluation.improvement', IsNumeric: true }, { Variable: '$.evaluation.improvement', NumericGreaterThanEquals: 0 }] });
    for (const fail of ['PrepareFailed', 'TrainingFailed', 'EvaluationFailed', 'RegisterFailed', 'DeployFailed', 'RollbackFailed', 'CandidateRejected', 'InvalidRequest']) expect(s[fail].Type).toBe('Fail');
    expect(s.Approve).toBeUndefined();
  });

  it('waits for approval by task token when the gate asks for it', () => {
    const { definition } = synth({ gate: { manualApproval: true, approvalTimeoutHours: 24, metric: 'logLoss', minImprovement: 0.01 } });
    const s = definition.States as Record<string, any>;
    expect(s.Gate.Choices.map((c: any) => c.Next)).toEqual(['Approve', 'Approve']);
    expect(s.Gate.Choices[1].And[1]).toEqual({ Variable: '$.evaluation.improvement', NumericGreaterThanEquals: 0.01 });
    expect(s.Approve).toMatchObject({ Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', TimeoutSeconds: 86400, Next: 'Register' });
    expect(s.Approve.Parameters.Payload).toMatchObject({ 'taskToken.$': '$$.Task.Token', 'state.$': '$' });
    expect(s.Approve.Catch[0].Next).toBe('NotApproved');
  });

  it('deploys a SageMaker-served model: CreateModel, CreateEndpointConfig, UpdateEndpoint with a canary and alarms, polled until InService', () => {
    const endpoint = { endpointName: 'breast-cancer-gpu', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/serve:1', alarmNames: ['breast-cancer-5xx'] };
    const { definition, template, stack, pipeline } = synth({ endpoint });
    const s = definition.States as Record<string, any>;
    expect(s.Register.Next).toBe('CreateModel');
    expect(s.CreateModel).toMatchObject({ Resource: 'arn:aws:states:::aws-sdk:sagemaker:createModel', Next: 'CreateEndpointConfig' });
    expect(s.CreateModel.Parameters.PrimaryContainer).toEqual({ Image: endpoint.image, 'ModelDataUrl.$': '$.training.modelArtifacts' });
    expect(s.CreateEndpointConfig.Parameters.ProductionVariants[0]).toMatchObject({ InstanceType: 'ml.g5.xlarge', InitialInstanceCount: 1, 'ModelName.$': '$.prepare.trainingJobName' });
    expect(s.UpdateEndpoint.Parameters).toMatchObject({
      EndpointName: 'breast-cancer-gpu',
      DeploymentConfig: {
        BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 }, WaitIntervalInSeconds: 300 } },
        AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'breast-cancer-5xx' }] },
      },
    });
    expect(s.UpdateEndpoint.Next).toBe('WaitForEndpoint');
    expect(s.EndpointUpdated.Choices[0].Next).toBe('Deploy');
    expect(s.EndpointUpdated.Choices[1].Next).toBe('EndpointNotUpdated');
    expect(s.EndpointUpdated.Default).toBe('WaitForEndpoint');
    for (const state of ['CreateModel', 'CreateEndpointConfig', 'UpdateEndpoint', 'DescribeEndpoint']) expect(s[state].Catch[0].Next).toBe('Rollback');
    const machine = JSON.stringify(statementsOf(template, stack.getLogicalId(pipeline.stateMachine.role.node.defaultChild as never)));
    expect(machine).toContain(':endpoint/breast-cancer-gpu');
    expect(machine).toContain(':model/breast-cancer-*');
    expect(aslErrors(definition)).toBe('');
    expect(nagFindings(stack)).toEqual([]);
  });

  it('is a valid ASL definition', () => {
    for (const config of [{}, { gate: { manualApproval: true } }]) {
      expect(aslErrors(synth(config).definition)).toBe('');
    }
  });

  it('scopes IAM: the job prefix, PassRole to SageMaker only, the training role to its S3 prefixes and repository', () => {
    const { template, stack, pipeline } = synth();
    const machineRole = stack.getLogicalId(pipeline.stateMachine.role.node.defaultChild as never);
    const machine = statementsOf(template, machineRole);
    expect(machine).toContainEqual(
      expect.objectContaining({
        Action: ['sagemaker:AddTags', 'sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':training-job/breast-cancer-*']] },
      }),
    );
    expect(machine).toContainEqual(expect.objectContaining({ Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } }));
    const training = statementsOf(template, stack.getLogicalId(pipeline.trainingRole.node.defaultChild as never));
    const resources = JSON.stringify(training.map((s) => s.Resource));
    expect(resources).toContain(':s3:::ml-data/breast-cancer/train/*');
    expect(resources).toContain(':s3:::ml-data/training-output/*');
    expect(resources).toContain(':s3:::ml-data/checkpoints/breast-cancer/*');
    expect(resources).toContain(':ecr:us-east-1:123456789012:repository/breast-cancer-training');
    expect(resources).not.toContain('ml-registry');
    template.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })] } });
  });

  it('passes cdk-nag with every finding acknowledged with a reason', () => {
    expect(nagFindings(synth().stack)).toEqual([]);
    expect(nagFindings(synth({ gate: { manualApproval: true } }).stack)).toEqual([]);
  });
});

describe('retraining config', () => {
  const base = { stackName: 'Test', models: [{ name: 'breast-cancer', source: 'models/breast-cancer/1.0.0' }], monitoring: { enabled: false } };
  it('is validated through validateConfig', () => {
    expect(() => validateConfig({ ...base, retraining: RETRAINING })).not.toThrow();
    expect(() => validateConfig({ ...base, retraining: { ...RETRAINING, model: 'other' } })).toThrow(/retraining\.model must name a model/);
  });

  it('names every problem at once, a line each', () => {
    expect(() => checkRetrainingConfig({ ...RETRAINING, trainingImage: 'python:3.12', instanceType: 'g4dn.xlarge', gate: { approvalTimeoutHours: 3 } }, ['breast-cancer'])).toThrow(
      [
        'the config has 3 problems:',
        '- retraining.trainingImage must be an ECR image URI (123456789012.dkr.ecr.region.amazonaws.com/repo:tag), got "python:3.12"',
        "- retraining.instanceType must be a SageMaker instance type such as 'ml.g4dn.xlarge', got \"g4dn.xlarge\"",
        '- retraining.gate.approvalTimeoutHours applies only with manualApproval: true',
      ].join('\n'),
    );
  });

  it.each<[string, Partial<RetrainingPipelineConfig>, RegExp]>([
    ['spot without checkpoints', { checkpointS3Uri: undefined }, /retraining\.checkpointS3Uri is required with managed spot/],
    ['a wait shorter than the runtime', { maxWaitSeconds: 60 }, /retraining\.maxWaitSeconds must be at least maxRuntimeSeconds/],
    ['a wait without spot', { spot: false }, /retraining\.maxWaitSeconds applies only to managed spot/],
    ['an https data URI', { data: { train: 'https://x/y', holdout: 's3://a-b/c' } }, /retraining\.data\.train must be an s3:/],
    ['a non-ECR image', { trainingImage: 'python:3.12' }, /retraining\.trainingImage must be an ECR image URI/],
    ['a bad instance type', { instanceType: 'g4dn.xlarge' }, /retraining\.instanceType must be a SageMaker instance type/],
    ['a reserved hyperparameter', { hyperparameters: { 'model-version': '1' } }, /retraining\.hyperparameters\.model-version is set by the run/],
    ['a non-finite improvement', { gate: { minImprovement: Number.NaN } }, /retraining\.gate\.minImprovement must be a finite number/],
    ['an approval timeout without approval', { gate: { approvalTimeoutHours: 3 } }, /retraining\.gate\.approvalTimeoutHours applies only with manualApproval/],
    ['a bad runtime', { maxRuntimeSeconds: 0 }, /retraining\.maxRuntimeSeconds must be an integer/],
    ['a bad endpoint name', { endpoint: { endpointName: 'a_b', image: RETRAINING.trainingImage } }, /retraining\.endpoint\.endpointName must be a SageMaker endpoint name/],
    ['a long canary', { endpoint: { endpointName: 'ep', image: RETRAINING.trainingImage, canaryMinutes: 61 } }, /retraining\.endpoint\.canaryMinutes must be an integer between 1 and 60/],
  ])('rejects %s, naming the prop', (_, change, message) => {
    expect(() => checkRetrainingConfig({ ...RETRAINING, ...change }, ['breast-cancer'])).toThrow(message);
  });
});

describe('InferenceStack with retraining', () => {
  it('makes the pipeline the target of the drift trigger, in place of the placeholder, and passes cdk-nag', () => {
    const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const stack = new InferenceStack(app, 'Retrain', { config: { stackName: 'Retrain', models: [{ name: 'breast-cancer', source: 'models/breast-cancer/1.0.0' }], retraining: RETRAINING } });
    const template = Template.fromStack(stack);
    const machines = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(machines.some((id) => id.includes('RetrainingPlaceholder'))).toBe(false);
    const pipeline = stack.getLogicalId(stack.retraining!.stateMachine.node.defaultChild as never);
    expect(machines).toContain(pipeline);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'retraining-trigger', RETRAINING_STATE_MACHINE_ARN: { Ref: pipeline } }) },
    });
    template.hasOutput('RetrainingPipelineArn', { Value: { Ref: pipeline } });
    expect(nagFindings(stack)).toEqual([]);
  });
});

const files = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
const megabytes = (dir: string) => files(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0) / 1e6;

describe('RetrainingPipeline bundling', () => {
  it('ships onnxruntime-node (linux/arm64 only) with the Evaluate step alone: the other steps are plain bundles', () => {
    const app = new App({ context: CDK_CONTEXT });
    onTestFinished(() => rmSync(app.outdir, { recursive: true, force: true }));
    const pipeline = new RetrainingPipeline(new Stack(app, 'Bundled'), 'Retraining', { config: { ...RETRAINING, gate: { manualApproval: true } } });
    const assetOf = (step: { function: { node: { findChild(id: string): unknown } } }) => join(app.outdir, (step.function.node.findChild('Code') as Asset).assetPath);

    const evaluate = assetOf(pipeline.evaluate);
    expect(files(evaluate).filter((f) => f.endsWith('.node'))).toEqual(['node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/onnxruntime_binding.node']);
    const others = { prepare: pipeline.prepare, register: pipeline.register, deploy: pipeline.deploy, rollback: pipeline.rollback, requestApproval: pipeline.requestApproval! };
    const sizes = [`evaluate ${megabytes(evaluate).toFixed(1)} MB`];
    for (const [name, step] of Object.entries(others)) {
      const dir = assetOf(step);
      expect({ name, files: files(dir).sort() }).toEqual({ name, files: ['index.mjs', 'index.mjs.map'] });
      expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).not.toContain('onnxruntime');
      sizes.push(`${name} ${megabytes(dir).toFixed(1)} MB`);
    }
    console.info(`retraining step assets, unzipped: ${sizes.join(', ')}`);
  });
});
