import { pruneOnnxruntime } from './model-function.ts';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Effect, type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  CustomState,
  DefinitionBody,
  Fail,
  type IChainable,
  IntegrationPattern,
  Pass,
  Wait,
  WaitTime,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { CallAwsService, LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { HandlerFunction } from './handler-function.ts';
import { acknowledgeWildcardResources } from './nag.ts';
import { checkRetrainingConfig, LOWER_IS_BETTER, RETRAINING_DEFAULTS, type RetrainingPipelineConfig, splitS3Uri } from './retraining-config.ts';

export interface RetrainingPipelineProps {
  /** The validated `retraining` config. */
  readonly config: RetrainingPipelineConfig;
  /** Lambda architecture of the steps (the Evaluate step's onnxruntime binary follows it). @default 'arm64' */
  readonly architecture?: 'arm64' | 'x86_64';
  /** Powertools log level. @default 'INFO' */
  readonly logLevel?: string;
  /** CloudWatch namespace of the steps' metrics. @default 'ServerlessInference' */
  readonly metricsNamespace?: string;
}

/** What the pipeline's steps may do with an S3 location. */
interface S3Access {
  readonly read?: boolean;
  readonly write?: boolean;
  readonly list?: boolean;
}

/**
 * The retraining state machine (Standard), started with `{ model, ... }` (the drift trigger's
 * `{ model, version, reason, alarm, driftReport }`, or by hand):
 *
 *   CheckRequest -> Prepare (production pointer, candidate version, job name)
 *   -> Train (SageMaker CreateTrainingJob .sync: GPU, managed spot, checkpoints, max runtime and wait)
 *   -> Evaluate (candidate and production on the holdout set, onnxruntime-node)
 *   -> Gate (metric improvement; optional approval by task token) -> Register (immutable, sha256, lineage)
 *   -> Deploy (moves the production pointer) -> Succeeded
 *
 * Every step has an explicit failure state; a failed deploy runs Rollback (restores the pointer read
 * by Prepare) before failing. Nothing is registered or deployed unless the gate passes.
 *
 * The training task is a CustomState: tasks.SageMakerCreateTrainingJob has no EnableManagedSpotTraining,
 * CheckpointConfig or MaxWaitTimeInSeconds, and its S3 locations render as https:// URIs.
 */
export class RetrainingPipeline extends Construct {
  readonly stateMachine: StateMachine;
  readonly trainingRole: Role;
  /** The role of the SageMaker models the deploy creates, when the model is SageMaker-served. */
  readonly modelRole?: Role;
  readonly prepare: HandlerFunction;
  readonly evaluate: HandlerFunction;
  readonly register: HandlerFunction;
  readonly deploy: HandlerFunction;
  readonly rollback: HandlerFunction;
  readonly requestApproval?: HandlerFunction;

  constructor(scope: Construct, id: string, props: RetrainingPipelineProps) {
    super(scope, id);
    const { config } = props;
    checkRetrainingConfig(config, [config.model], 'retraining');
    const logRetention = (config.logRetentionDays as RetentionDays | undefined) ?? RetentionDays.ONE_MONTH;
    const gate = config.gate ?? {};
    const metric = gate.metric ?? RETRAINING_DEFAULTS.metric;
    const lowerIsBetter = gate.lowerIsBetter ?? LOWER_IS_BETTER.includes(metric);
    const spot = config.spot ?? true;
    const maxRuntime = config.maxRuntimeSeconds ?? RETRAINING_DEFAULTS.maxRuntimeSeconds;
    const maxWait = spot ? (config.maxWaitSeconds ?? 2 * maxRuntime) : undefined;

    const environment = {
      REGISTRY_URI: config.registryS3Uri,
      OUTPUT_URI: config.outputS3Uri,
      TRAIN_URI: config.data.train,
      HOLDOUT_URI: config.data.holdout,
      GATE_METRIC: metric,
      LOWER_IS_BETTER: String(lowerIsBetter),
    };
    const platform = props.architecture === 'x86_64' ? 'linux/x64' : 'linux/arm64';
    const architecture = props.architecture === 'x86_64' ? Architecture.X86_64 : Architecture.ARM_64;
    const step = (name: string, entry: string, memorySize = 512, timeout = Duration.minutes(1)) =>
      new HandlerFunction(this, `${name}Function`, {
        entry,
        serviceName: `retraining-${entry.split('/').at(-1)!.replace('.ts', '')}`,
        memorySize,
        timeout,
        logRetention,
        logLevel: props.logLevel,
        metricsNamespace: props.metricsNamespace,
        environment,
        architecture,
      });
    this.prepare = step('Prepare', 'functions/retraining/prepare.ts');
    this.evaluate = new HandlerFunction(this, 'EvaluateFunction', {
      entry: 'functions/retraining/evaluate.ts',
      serviceName: 'retraining-evaluate',
      memorySize: 3008,
      architecture,
      timeout: Duration.minutes(15),
      logRetention,
      logLevel: props.logLevel,
      metricsNamespace: props.metricsNamespace,
      environment: { ...environment, MODEL_CACHE_DIR: '/tmp/models' },
      // The only step that runs models: it alone ships onnxruntime-node (esbuild cannot bundle its .node binary).
      nodeModules: ['onnxruntime-node'],
      afterBundling: (_, outputDir) => pruneOnnxruntime(outputDir, platform),
    });
    this.register = step('Register', 'functions/retraining/register.ts', 1024, Duration.minutes(5));
    this.deploy = step('Deploy', 'functions/retraining/deploy.ts');
    this.rollback = step('Rollback', 'functions/retraining/rollback.ts');
    if (gate.manualApproval) this.requestApproval = step('RequestApproval', 'functions/retraining/request-approval.ts');

    const registry = config.registryS3Uri;
    const model = config.model;
    const candidates = `${config.outputS3Uri.replace(/\/+$/, '')}/`;
    this.grantS3(this.prepare.role, `${registry}/${model}/`, { read: true, list: true }, 'reads the production pointer and lists the registered versions');
    this.grantS3(this.evaluate.role, candidates, { read: true, write: true }, "reads the training job's model.tar.gz and writes the unpacked candidate beside it");
    this.grantS3(this.evaluate.role, `${registry}/${model}/versions/`, { read: true }, 'reads the production package');
    this.grantS3(this.evaluate.role, config.data.holdout, { read: true, list: true }, 'reads the holdout CSVs');
    this.grantS3(this.register.role, candidates, { read: true, list: true }, 'reads the unpacked candidate');
    this.grantS3(this.register.role, `${registry}/${model}/versions/`, { read: true, write: true, list: true }, 'writes the new version (only when absent)');
    for (const fn of [this.deploy, this.rollback]) this.grantS3(fn.role, `${registry}/${model}/production.json`, { read: true, write: true, list: true }, 'reads and moves the production pointer');
    if (this.requestApproval) this.grantS3(this.requestApproval.role, `${registry}/${model}/approvals/`, { write: true }, 'writes the approval request');

    this.trainingRole = this.createTrainingRole(config);
    if (config.endpoint) this.modelRole = this.createModelRole(config);

    const definition = this.definition(config, { metric, lowerIsBetter, maxRuntime, maxWait, spot });
    const logGroup = new LogGroup(this, 'Logs', { retention: logRetention });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(definition),
      comment: `Retraining of ${model}: train on SageMaker, evaluate, gate, register, deploy (rollback on a failed deploy)`,
      // Longest training (with spot waits), the approval and an hour for the other steps.
      timeout: Duration.seconds((maxWait ?? maxRuntime) + (gate.manualApproval ? (gate.approvalTimeoutHours ?? RETRAINING_DEFAULTS.approvalTimeoutHours) * 3600 : 0) + 3600),
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    this.grantTraining(config);
    if (config.endpoint) this.grantEndpoint(config);
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Log delivery (logs:*LogDelivery, DescribeLogGroups, resource policies) and X-Ray tracing support no resource-level permissions.',
    });
    const functions = [this.prepare, this.evaluate, this.register, this.deploy, this.rollback, ...(this.requestApproval ? [this.requestApproval] : [])];
    acknowledgeWildcardResources(
      this.stateMachine.role,
      functions.map((f) => `${f.function.functionArn}:*`),
      'Task states may invoke any version of the retraining step functions (CDK grants function:*), and nothing else.',
    );
  }

  /** The training task's ARN pattern: jobs are named `<model>-<version>-<time>` by Prepare. */
  private trainingJobArn(model: string): string {
    return Stack.of(this).formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: `${model}-*` });
  }

  private grantTraining(config: RetrainingPipelineConfig): void {
    const stack = Stack.of(this);
    const jobs = this.trainingJobArn(config.model);
    const rule = stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerTrainingJobsRule' });
    this.stateMachine.addToRolePolicy(new PolicyStatement({ actions: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags'], resources: [jobs] }));
    // .sync waits on an EventBridge rule that Step Functions manages.
    this.stateMachine.addToRolePolicy(new PolicyStatement({ actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], resources: [rule] }));
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({ actions: ['iam:PassRole'], resources: [this.trainingRole.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } }),
    );
    acknowledgeWildcardResources(this.stateMachine.role, [jobs], `Training jobs get a new name per run, always starting with the model's name (${config.model}-).`);
  }

  private grantEndpoint(config: RetrainingPipelineConfig): void {
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({ actions: ['iam:PassRole'], resources: [this.modelRole!.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } }),
    );
    acknowledgeWildcardResources(
      this.stateMachine.role,
      ['model', 'endpoint-config'].map((resource) => Stack.of(this).formatArn({ service: 'sagemaker', resource, resourceName: `${config.model}-*` })),
      `Each run creates a SageMaker model and endpoint config named after its training job, always starting with the model's name (${config.model}-).`,
    );
  }

  /** The role SageMaker models created by the deploy run as: reads the candidate's model.tar.gz and pulls the inference image. */
  private createModelRole(config: RetrainingPipelineConfig): Role {
    const stack = Stack.of(this);
    const role = new Role(this, 'ModelRole', { assumedBy: new ServicePrincipal('sagemaker.amazonaws.com'), description: `SageMaker models of ${config.model} deployed by retraining` });
    this.grantS3(role, `${config.outputS3Uri.replace(/\/+$/, '')}/`, { read: true }, "model's container reads the candidate's model.tar.gz");
    const image = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(config.endpoint!.image)!;
    const repository = stack.formatArn({ service: 'ecr', account: image[1], region: image[2], resource: 'repository', resourceName: image[3] });
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'], resources: [repository] }));
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['ecr:GetAuthorizationToken', 'cloudwatch:PutMetricData'], resources: ['*'] }));
    const logs = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/Endpoints/*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], resources: [logs] }));
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ecr:GetAuthorizationToken and cloudwatch:PutMetricData support no resource-level permissions.' });
    acknowledgeWildcardResources(role, [logs], 'SageMaker writes the endpoint logs into log groups named after the endpoint.');
    return role;
  }

  /**
   * SageMaker-served: CreateModel (the candidate's model.tar.gz) -> CreateEndpointConfig -> UpdateEndpoint
   * with a blue/green canary (and auto-rollback on the configured alarms) -> poll DescribeEndpoint until
   * it is InService on the new config. A failed call, a failed endpoint, or an endpoint that SageMaker's
   * guardrails rolled back to another config goes to `rollback`.
   */
  private endpointDeploy(config: RetrainingPipelineConfig, rollback: IChainable, deploy: IChainable) {
    const endpoint = config.endpoint!;
    const stack = Stack.of(this);
    const arn = (resource: string, name: string) => stack.formatArn({ service: 'sagemaker', resource, resourceName: name });
    const models = arn('model', `${config.model}-*`);
    const configs = arn('endpoint-config', `${config.model}-*`);
    const endpointArn = arn('endpoint', endpoint.endpointName.toLowerCase());
    const catchTo = { errors: ['States.ALL'], resultPath: '$.error' };
    const createModel = new CallAwsService(this, 'CreateModel', {
      service: 'sagemaker',
      action: 'createModel',
      iamResources: [models],
      parameters: {
        ModelName: JsonPath.stringAt('$.prepare.trainingJobName'),
        ExecutionRoleArn: this.modelRole!.roleArn,
        PrimaryContainer: { Image: endpoint.image, ModelDataUrl: JsonPath.stringAt('$.training.modelArtifacts') },
        Tags: [{ Key: 'model', Value: config.model }],
      },
      resultPath: JsonPath.DISCARD,
    }).addCatch(rollback, catchTo);
    const createConfig = new CallAwsService(this, 'CreateEndpointConfig', {
      service: 'sagemaker',
      action: 'createEndpointConfig',
      iamResources: [configs, models],
      parameters: {
        EndpointConfigName: JsonPath.stringAt('$.prepare.trainingJobName'),
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            ModelName: JsonPath.stringAt('$.prepare.trainingJobName'),
            InstanceType: endpoint.instanceType ?? RETRAINING_DEFAULTS.endpointInstanceType,
            InitialInstanceCount: endpoint.instanceCount ?? 1,
          },
        ],
        Tags: [{ Key: 'model', Value: config.model }],
      },
      resultPath: JsonPath.DISCARD,
    }).addCatch(rollback, catchTo);
    const update = new CallAwsService(this, 'UpdateEndpoint', {
      service: 'sagemaker',
      action: 'updateEndpoint',
      iamResources: [endpointArn, configs],
      parameters: {
        EndpointName: endpoint.endpointName,
        EndpointConfigName: JsonPath.stringAt('$.prepare.trainingJobName'),
        DeploymentConfig: {
          BlueGreenUpdatePolicy: {
            TrafficRoutingConfiguration: {
              Type: 'CANARY',
              CanarySize: { Type: 'CAPACITY_PERCENT', Value: endpoint.canaryPercent ?? RETRAINING_DEFAULTS.canaryPercent },
              WaitIntervalInSeconds: (endpoint.canaryMinutes ?? RETRAINING_DEFAULTS.canaryMinutes) * 60,
            },
          },
          ...(endpoint.alarmNames?.length ? { AutoRollbackConfiguration: { Alarms: endpoint.alarmNames.map((AlarmName) => ({ AlarmName })) } } : {}),
        },
      },
      resultPath: JsonPath.DISCARD,
    }).addCatch(rollback, catchTo);
    const wait = new Wait(this, 'WaitForEndpoint', { time: WaitTime.duration(Duration.minutes(1)) });
    const describe = new CallAwsService(this, 'DescribeEndpoint', {
      service: 'sagemaker',
      action: 'describeEndpoint',
      iamResources: [endpointArn],
      parameters: { EndpointName: endpoint.endpointName },
      resultSelector: { 'EndpointName.$': '$.EndpointName', 'EndpointStatus.$': '$.EndpointStatus', 'EndpointConfigName.$': '$.EndpointConfigName' },
      resultPath: '$.endpoint',
    }).addCatch(rollback, catchTo);
    const rolledBack = new Pass(this, 'EndpointNotUpdated', {
      parameters: {
        Error: 'EndpointUpdateFailed',
        'Cause.$': "States.Format('endpoint {} is {} on endpoint config {}, not on the candidate: the update failed or was rolled back', $.endpoint.EndpointName, $.endpoint.EndpointStatus, $.endpoint.EndpointConfigName)",
      },
      resultPath: '$.error',
    }).next(rollback);
    const status = new Choice(this, 'EndpointUpdated')
      .when(Condition.and(Condition.stringEquals('$.endpoint.EndpointStatus', 'InService'), Condition.stringEqualsJsonPath('$.endpoint.EndpointConfigName', '$.prepare.trainingJobName')), deploy)
      .when(Condition.or(Condition.stringEquals('$.endpoint.EndpointStatus', 'InService'), Condition.stringEquals('$.endpoint.EndpointStatus', 'Failed'), Condition.stringEquals('$.endpoint.EndpointStatus', 'OutOfService')), rolledBack)
      .otherwise(wait);
    createModel.next(createConfig).next(update).next(wait).next(describe).next(status);
    return createModel;
  }

  private createTrainingRole(config: RetrainingPipelineConfig): Role {
    const stack = Stack.of(this);
    const role = new Role(this, 'TrainingRole', { assumedBy: new ServicePrincipal('sagemaker.amazonaws.com'), description: `SageMaker training jobs of ${config.model}'s retraining` });
    this.grantS3(role, config.data.train, { read: true, list: true }, 'reads the train channel');
    this.grantS3(role, config.data.holdout, { read: true, list: true }, 'reads the holdout channel');
    this.grantS3(role, `${config.outputS3Uri.replace(/\/+$/, '')}/`, { write: true }, 'writes model.tar.gz');
    if (config.checkpointS3Uri) this.grantS3(role, `${config.checkpointS3Uri.replace(/\/+$/, '')}/`, { read: true, write: true, list: true }, 'syncs /opt/ml/checkpoints');
    const image = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(config.trainingImage)!;
    const repository = stack.formatArn({ service: 'ecr', account: image[1], region: image[2], resource: 'repository', resourceName: image[3] });
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'], resources: [repository] }));
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['ecr:GetAuthorizationToken', 'cloudwatch:PutMetricData'], resources: ['*'] }));
    const logs = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/TrainingJobs:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], resources: [logs] }));
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ecr:GetAuthorizationToken and cloudwatch:PutMetricData support no resource-level permissions.' });
    acknowledgeWildcardResources(role, [logs], "SageMaker writes one log stream per training job into its fixed log group.");
    return role;
  }

  /** Object (and listing) access under an `s3://bucket/prefix`; the wildcards are acknowledged with the reason. */
  private grantS3(role: IRole, uri: string, access: S3Access, purpose: string): void {
    const { bucket, prefix } = splitS3Uri(uri);
    const partition = Stack.of(this).partition;
    // HeadObject of a missing key answers 403 instead of 404 without s3:ListBucket: whoever checks for absence lists.
    // A key ending in .json is one object; anything else is a prefix (a folder: `prefix/*`).
    const single = prefix.endsWith('.json');
    const pattern = single ? prefix : prefix ? `${prefix}/*` : '*';
    const objects = `arn:${partition}:s3:::${bucket}/${pattern}`;
    const actions = [...(access.read ? ['s3:GetObject'] : []), ...(access.write ? ['s3:PutObject'] : [])];
    if (actions.length) role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions, resources: [objects] }));
    if (access.list) {
      role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['s3:ListBucket'], resources: [`arn:${partition}:s3:::${bucket}`], conditions: { StringLike: { 's3:prefix': [pattern] } } }),
      );
    }
    if (objects.endsWith('*')) acknowledgeWildcardResources(role, [objects], `The retraining ${purpose}, under this prefix only.`);
  }

  private definition(config: RetrainingPipelineConfig, o: { metric: string; lowerIsBetter: boolean; maxRuntime: number; maxWait?: number; spot: boolean }) {
    const gate = config.gate ?? {};
    const failed = (id: string, error: string) => new Fail(this, id, { error, causePath: JsonPath.stringAt('$.error.Cause') });
    const invoke = (id: string, fn: HandlerFunction, resultPath: string) =>
      new LambdaInvoke(this, id, { lambdaFunction: fn.function, payloadResponseOnly: true, resultPath, retryOnServiceExceptions: true });
    const catchTo = { errors: ['States.ALL'], resultPath: '$.error' };

    const invalid = new Fail(this, 'InvalidRequest', { error: 'InvalidRetrainingRequest', cause: `Input must hold model "${config.model}" (a string)` });
    const prepare = invoke('Prepare', this.prepare, '$.prepare').addCatch(failed('PrepareFailed', 'RetrainingPrepareFailed'), catchTo);

    const channel = (name: string, uri: string) => ({
      ChannelName: name,
      ContentType: 'text/csv',
      InputMode: 'File',
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: uri, S3DataDistributionType: 'FullyReplicated' } },
    });
    const train = new CustomState(this, 'Train', {
      stateJson: {
        Type: 'Task',
        Comment: 'SageMaker training job; .sync waits for it to end (spot interruptions resume from the checkpoints)',
        Resource: `arn:${Stack.of(this).partition}:states:::sagemaker:createTrainingJob.sync`,
        Parameters: {
          'TrainingJobName.$': '$.prepare.trainingJobName',
          RoleArn: this.trainingRole.roleArn,
          AlgorithmSpecification: { TrainingImage: config.trainingImage, TrainingInputMode: 'File' },
          HyperParameters: { ...config.hyperparameters, 'model-name': config.model, 'model-version.$': '$.prepare.candidateVersion' },
          InputDataConfig: [channel('train', config.data.train), channel('holdout', config.data.holdout)],
          OutputDataConfig: { S3OutputPath: config.outputS3Uri },
          ResourceConfig: {
            InstanceCount: config.instanceCount ?? RETRAINING_DEFAULTS.instanceCount,
            InstanceType: config.instanceType ?? RETRAINING_DEFAULTS.instanceType,
            VolumeSizeInGB: config.volumeSizeGb ?? RETRAINING_DEFAULTS.volumeSizeGb,
          },
          StoppingCondition: { MaxRuntimeInSeconds: o.maxRuntime, ...(o.maxWait !== undefined ? { MaxWaitTimeInSeconds: o.maxWait } : {}) },
          EnableManagedSpotTraining: o.spot,
          ...(config.checkpointS3Uri ? { CheckpointConfig: { S3Uri: config.checkpointS3Uri, LocalPath: '/opt/ml/checkpoints' } } : {}),
          Tags: [{ Key: 'model', Value: config.model }],
        },
        ResultSelector: {
          'trainingJobName.$': '$.TrainingJobName',
          'trainingJobArn.$': '$.TrainingJobArn',
          'modelArtifacts.$': '$.ModelArtifacts.S3ModelArtifacts',
        },
        ResultPath: '$.training',
      },
    });
    train.addCatch(failed('TrainingFailed', 'RetrainingTrainingFailed'), catchTo);

    const evaluate = invoke('Evaluate', this.evaluate, '$.evaluation').addCatch(failed('EvaluationFailed', 'RetrainingEvaluationFailed'), catchTo);
    const register = invoke('Register', this.register, '$.registered').addCatch(failed('RegisterFailed', 'RetrainingRegisterFailed'), catchTo);
    const rollback = invoke('Rollback', this.rollback, '$.rollback').addCatch(failed('RollbackFailed', 'RetrainingRollbackFailed'), { errors: ['States.ALL'], resultPath: '$.rollbackError' });
    rollback.next(failed('DeployFailed', 'RetrainingDeployFailed'));
    const deploy = invoke('Deploy', this.deploy, '$.deployed').addCatch(rollback, catchTo);
    deploy.next(new Succeed(this, 'Deployed', { comment: 'The new version is production in the registry' }));
    register.next(config.endpoint ? this.endpointDeploy(config, rollback, deploy) : deploy);

    let approved: typeof register | LambdaInvoke = register;
    if (this.requestApproval) {
      const approval = new LambdaInvoke(this, 'Approve', {
        lambdaFunction: this.requestApproval.function,
        integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: TaskInput.fromObject({ taskToken: JsonPath.taskToken, state: JsonPath.entirePayload }),
        taskTimeout: Timeout.duration(Duration.hours(gate.approvalTimeoutHours ?? RETRAINING_DEFAULTS.approvalTimeoutHours)),
        resultPath: '$.approval',
      });
      approval.addCatch(failed('NotApproved', 'RetrainingNotApproved'), catchTo);
      approval.next(register);
      approved = approval;
    }

    const rejected = new Fail(this, 'CandidateRejected', {
      error: 'RetrainingCandidateRejected',
      cause: `The candidate did not improve ${o.metric} by at least ${gate.minImprovement ?? RETRAINING_DEFAULTS.minImprovement} over production (${o.lowerIsBetter ? 'lower' : 'higher'} is better): nothing was registered or deployed`,
    });
    const gateChoice = new Choice(this, 'Gate')
      .when(Condition.booleanEquals('$.evaluation.firstVersion', true), approved)
      .when(Condition.and(Condition.isNumeric('$.evaluation.improvement'), Condition.numberGreaterThanEquals('$.evaluation.improvement', gate.minImprovement ?? RETRAINING_DEFAULTS.minImprovement)), approved)
      .otherwise(rejected);

    const valid = Condition.and(Condition.isPresent('$.model'), Condition.isString('$.model'), Condition.stringEquals('$.model', config.model));
    return new Choice(this, 'CheckRequest').when(valid, prepare.next(train).next(evaluate).next(gateChoice)).otherwise(invalid);
  }
}
