import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { CustomState, JsonPath, Pass, type StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { endRun, grantData, runStateMachine, scheduleRuns } from './batch-run.ts';
import { resolveTransform, type ResolvedTransform } from './batch-transform-config.ts';
import { type BatchScheduleConfig, checkRetention, type ModelConfig } from './config.ts';
import { HandlerFunction } from './handler-function.ts';
import { checkModelJson } from './model-json.ts';
import { acknowledgeWildcardResources } from './nag.ts';
import type { SageMakerServing } from './sagemaker-config.ts';

/** A SageMaker-served model as its transform jobs need it. */
export interface TransformModel {
  /** The model's config: its serving gives the default instance type, its model.json the version each manifest records. */
  readonly config: ModelConfig & { readonly serving: SageMakerServing };
  /** Name of the SageMaker model the jobs run (`SageMakerEndpoint.transformModel`: the primary variant's container). */
  readonly modelName: string;
  /** That model's execution role, the endpoint's own being another: SageMaker reads the input and writes the output as this role. */
  readonly role: IRole;
}

export interface BatchTransformProps {
  /** Bucket holding inputs and outputs. */
  readonly bucket: IBucket;
  /** Prefix jobs read under; finalize reads nothing else. @default 'input/' */
  readonly inputPrefix?: string;
  /** Prefix jobs write under; finalize writes nothing else. @default 'output/' */
  readonly outputPrefix?: string;
  /** The schedules with engine 'sagemaker-batch-transform' (validated by `validateConfig`). */
  readonly schedules: readonly BatchScheduleConfig[];
  /** The SageMaker-served models, by name, that the schedules score with. */
  readonly models: Readonly<Record<string, TransformModel>>;
  /** Retention of the finalize function's and the state machines' logs. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Powertools log level. @default 'INFO' */
  readonly logLevel?: string;
  /** CloudWatch namespace of the finalize function's metrics. @default 'ServerlessInference' */
  readonly metricsNamespace?: string;
}

/** One transform schedule's resources. */
export interface TransformJob {
  readonly stateMachine: StateMachine;
  readonly schedule: Schedule;
  /** Transform jobs are named `<prefix>-<uuid>`; IAM is scoped to the prefix. */
  readonly jobNamePrefix: string;
  readonly settings: ResolvedTransform;
}

/** Room left for `-<uuid>` (37 characters) in SageMaker's 63-character job names. */
const PREFIX_LENGTH = 26;

/** The schedule's name as a transform job name prefix: SageMaker allows letters, digits and dashes, and lowercases names in ARNs. */
export function jobNamePrefix(schedule: string): string {
  const name = schedule.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '').slice(0, PREFIX_LENGTH).replace(/-+$/, '');
  return name || 'transform';
}

/**
 * SageMaker Batch Transform for batch schedules of SageMaker-served models: per schedule, a state
 * machine (name the job -> CreateTransformJob.sync, input split by line, each output line joined to
 * its input line -> finalize) started by EventBridge Scheduler with `{ "job": {...} }` like the
 * Lambda path, and ending, failed jobs too, with the same `_manifest.json` under the run's output.
 */
export class BatchTransform extends Construct {
  /** Reconciles a run's output against its input and writes the manifest; shared by every schedule. */
  readonly finalize: HandlerFunction;
  readonly jobs: Readonly<Record<string, TransformJob>>;

  constructor(scope: Construct, id: string, props: BatchTransformProps) {
    super(scope, id);
    checkRetention('logRetention', props.logRetention);
    const { bucket, inputPrefix = 'input/', outputPrefix = 'output/' } = props;
    this.finalize = new HandlerFunction(this, 'Finalize', {
      entry: 'functions/batch/finalize-transform.ts',
      serviceName: 'batch-transform-finalize',
      memorySize: 1024,
      // Counting lines streams every input and output object once: minutes for tens of GB.
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      metricsNamespace: props.metricsNamespace,
    });
    const inputs = bucket.arnForObjects(`${inputPrefix}*`);
    const outputs = bucket.arnForObjects(`${outputPrefix}*`);
    grantData(this.finalize.role, bucket, { read: [inputs, outputs], write: [outputs], multipart: true }, 'reads the input objects and the transform output, and writes the manifest');

    const jobs: Record<string, TransformJob> = {};
    const grantedRoles = new Set<IRole>();
    for (const schedule of props.schedules) {
      const model = props.models[schedule.model];
      if (!model) throw new Error(`schedules ${schedule.name}: model ${schedule.model} is not one of the SageMaker-served models (${Object.keys(props.models).join(', ')})`);
      jobs[schedule.name] = this.job(schedule, model, props);
      if (!grantedRoles.has(model.role)) {
        grantedRoles.add(model.role);
        this.grantTransformLogs(model.role);
      }
    }
    this.jobs = jobs;
  }

  private job(schedule: BatchScheduleConfig, model: TransformModel, props: BatchTransformProps): TransformJob {
    const { bucket } = props;
    const stack = Stack.of(this);
    const scope = new Construct(this, schedule.name);
    const format = (schedule.format ?? 'csv') as 'csv' | 'jsonl';
    const settings = resolveTransform(schedule.transform, format, model.config.serving);
    const prefix = jobNamePrefix(schedule.name);
    const pkg = checkModelJson({ name: model.config.name, modelJson: model.config.serving.modelJson });

    // SageMaker, as the model's role, reads this schedule's input and writes its output, nothing else.
    const output = schedule.output.endsWith('/') ? schedule.output : `${schedule.output}/`;
    const inputObjects = bucket.arnForObjects(`${schedule.input}*`);
    const outputObjects = bucket.arnForObjects(`${output}*`);
    model.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${schedule.input}*`] } } }));
    model.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [inputObjects] }));
    model.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [outputObjects] }));
    bucket.encryptionKey?.grant(model.role, 'kms:Decrypt', 'kms:GenerateDataKey');
    acknowledgeWildcardResources(model.role, [inputObjects, outputObjects], `Batch Transform of schedule ${schedule.name} reads its input objects and writes one .out object per input object, under the schedule's own input and output only.`);

    const name = new Pass(scope, 'NameJob', {
      comment: 'The job name is fixed before the job starts, so a failed run can name it in its manifest',
      parameters: {
        transformJob: JsonPath.format(`${prefix}-{}`, JsonPath.uuid()),
        startedAt: JsonPath.stringAt('$$.Execution.StartTime'),
        model: { name: pkg.name, version: pkg.version, sha256: pkg.sha256 },
      },
      resultPath: '$.run',
    });
    const transform = new CustomState(scope, 'Transform', {
      stateJson: {
        Type: 'Task',
        Comment: 'SageMaker Batch Transform; .sync waits for the job to end (and stops it if the run times out or is stopped)',
        Resource: `arn:${stack.partition}:states:::sagemaker:createTransformJob.sync`,
        TimeoutSeconds: settings.maxRuntimeSeconds,
        Parameters: {
          'TransformJobName.$': '$.run.transformJob',
          ModelName: model.modelName,
          BatchStrategy: settings.batchStrategy,
          MaxPayloadInMB: settings.maxPayloadMb,
          ...(settings.maxConcurrentTransforms !== undefined && { MaxConcurrentTransforms: settings.maxConcurrentTransforms }),
          TransformInput: {
            DataSource: { S3DataSource: { S3DataType: 'S3Prefix', 'S3Uri.$': '$.job.input' } },
            ContentType: settings.contentType,
            // One record per line: what lets finalize reconcile output lines against input lines.
            SplitType: 'Line',
            CompressionType: 'None',
          },
          TransformOutput: {
            'S3OutputPath.$': '$.job.output',
            Accept: settings.contentType,
            AssembleWith: 'Line',
            // Without a bucket key, the bucket's default encryption (SSE-S3) applies.
            ...(bucket.encryptionKey && { KmsKeyId: bucket.encryptionKey.keyArn }),
          },
          TransformResources: { InstanceType: settings.instanceType, InstanceCount: settings.instanceCount },
          // Each output line carries its whole input line, ids included, then the prediction.
          DataProcessing: { JoinSource: 'Input' },
          Tags: [
            { Key: 'model', Value: schedule.model },
            { Key: 'schedule', Value: schedule.name },
          ],
        },
        ResultSelector: { 'status.$': '$.TransformJobStatus' },
        ResultPath: '$.transform',
      },
    });
    const finalize = new LambdaInvoke(scope, 'FinalizeRun', { lambdaFunction: this.finalize.function, payloadResponseOnly: true, resultPath: '$.result' });
    // A job that fails, cannot start or times out still ends in finalize, which writes a `failed` manifest saying why.
    transform.addCatch(finalize, { errors: ['States.ALL'], resultPath: '$.error' });
    endRun(scope, finalize);
    const stateMachine = runStateMachine(scope, {
      definition: name.next(transform).next(finalize),
      logRetention: props.logRetention,
      comment: `Batch Transform of ${schedule.input} with ${schedule.model} (${schedule.name}), ending with _manifest.json`,
      // A transform job may run for hours: the run waits for it, then finalizes.
      timeout: Duration.seconds(settings.maxRuntimeSeconds + 3600),
    });
    this.grantTransformJobs(stateMachine, prefix, schedule.name);

    const scheduled = scheduleRuns(scope, 'Schedule', schedule, bucket, stateMachine, `Batch Transform of ${schedule.input} with ${schedule.model}`);
    return { stateMachine, schedule: scheduled, jobNamePrefix: prefix, settings };
  }

  /** What `createTransformJob.sync` needs: the jobs of this schedule only, and the EventBridge rule Step Functions manages to wait on them. */
  private grantTransformJobs(stateMachine: StateMachine, prefix: string, schedule: string): void {
    const stack = Stack.of(this);
    const jobs = stack.formatArn({ service: 'sagemaker', resource: 'transform-job', resourceName: `${prefix}-*` });
    const rule = stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerTransformJobsRule' });
    // No iam:PassRole: CreateTransformJob takes no role; the job runs as the model's role, passed when the model was created.
    stateMachine.addToRolePolicy(
      new PolicyStatement({ actions: ['sagemaker:CreateTransformJob', 'sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob', 'sagemaker:AddTags', 'sagemaker:ListTags'], resources: [jobs] }),
    );
    stateMachine.addToRolePolicy(new PolicyStatement({ actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], resources: [rule] }));
    acknowledgeWildcardResources(stateMachine.role, [jobs], `Each run of ${schedule} creates a transform job named ${prefix}-<uuid>; the state machine may touch no other job.`);
    acknowledgeWildcardResources(stateMachine.role, [`${this.finalize.function.functionArn}:*`], 'The finalize task may invoke any version of the finalize function (CDK grants function:*), and nothing else.');
  }

  /** Transform jobs log to their own fixed log group, one stream per instance and job. */
  private grantTransformLogs(role: IRole): void {
    const logs = Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/TransformJobs:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], resources: [logs] }));
    acknowledgeWildcardResources(role, [logs], 'SageMaker writes one log stream per transform job and instance into its fixed log group, named at run time.');
  }
}
