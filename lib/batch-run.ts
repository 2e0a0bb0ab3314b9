import { type Duration, TimeZone, Validations } from 'aws-cdk-lib';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { Choice, Condition, DefinitionBody, Fail, type IChainable, JsonPath, LogLevel, StateMachine, StateMachineType, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import type { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { BatchScheduleConfig } from './config.ts';
import { acknowledgeWildcardResources } from './nag.ts';

/**
 * What every batch engine's run shares (the Lambda path, lib/batch-scoring.ts, and Batch Transform,
 * lib/batch-transform.ts): its data rights, its ending in finalize, its logged and traced state
 * machine, and its schedules.
 */

/** Object ARNs a role reads and writes. */
export interface DataAccess {
  readonly read: readonly string[];
  readonly write: readonly string[];
  /** Whether it writes objects in parts (multipart uploads, which it may have to abort). @default false */
  readonly multipart?: boolean;
}

/** Lets a role read and write these batch objects of `bucket`, and list the bucket. */
export function grantData(role: IRole, bucket: IBucket, access: DataAccess, purpose: string): void {
  // Listing reveals key names only. Besides listing inputs and outputs, it makes S3 answer a GET or
  // HEAD of a missing key with 404 instead of 403, which the handlers rely on to tell
  // "not written yet" from "forbidden"; S3 gives no s3:prefix to condition it on for those requests.
  role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [...access.read] }));
  // PutObject covers conditional (If-None-Match) and multipart uploads.
  const writes = access.multipart ? ['s3:PutObject', 's3:AbortMultipartUpload'] : ['s3:PutObject'];
  role.addToPrincipalPolicy(new PolicyStatement({ actions: writes, resources: [...access.write] }));
  bucket.encryptionKey?.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
  acknowledgeWildcardResources(role, [...new Set([...access.read, ...access.write])], `The function ${purpose}: objects under the batch prefixes only.`);
}

/**
 * A run's ending: after finalize (whose result is the run's outcome, functions/batch/run-outcome.ts),
 * Succeeded with that outcome when the manifest says `succeeded`, else Fail with the manifest's URI
 * as the cause (its `reasons` say why).
 */
export function endRun(scope: Construct, finalize: LambdaInvoke): void {
  const succeeded = new Succeed(scope, 'Succeeded', { outputPath: '$.result' });
  const failed = new Fail(scope, 'Failed', { error: 'BatchRunFailed', causePath: JsonPath.stringAt('$.result.manifest') });
  finalize.next(new Choice(scope, 'RunSucceeded').when(Condition.stringEquals('$.result.status', 'succeeded'), succeeded).otherwise(failed));
}

export interface RunStateMachineProps {
  readonly definition: IChainable;
  /** Retention of its execution logs. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  readonly comment?: string;
  /** Longest a run may take. @default - none */
  readonly timeout?: Duration;
}

/**
 * A Standard state machine (runs outlast Express's 5 minutes; Distributed Map needs Standard) that
 * logs every execution with its data and is traced.
 */
export function runStateMachine(scope: Construct, props: RunStateMachineProps): StateMachine {
  const logGroup = new LogGroup(scope, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
  const stateMachine = new StateMachine(scope, 'StateMachine', {
    stateMachineType: StateMachineType.STANDARD,
    definitionBody: DefinitionBody.fromChainable(props.definition),
    comment: props.comment,
    timeout: props.timeout,
    logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    tracingEnabled: true,
  });
  Validations.of(stateMachine.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'Log delivery (logs:*LogDelivery, DescribeLogGroups, resource policies) and X-Ray tracing support no resource-level permissions.',
  });
  return stateMachine;
}

/**
 * The schedule of a batch schedule config: EventBridge Scheduler starts `stateMachine` with
 * `{ job }`, the schedule's model, input and format, and a run of its own per scheduled time under
 * its output (a scheduler retry of the same time reuses that run), plus the engine's `extra` fields.
 */
export function scheduleRuns(scope: Construct, id: string, schedule: BatchScheduleConfig, bucket: IBucket, stateMachine: StateMachine, description: string, extra: Record<string, unknown> = {}): Schedule {
  const uri = (key: string) => `s3://${bucket.bucketName}/${key}`;
  const output = schedule.output.endsWith('/') ? schedule.output : `${schedule.output}/`;
  const job = { model: schedule.model, input: uri(schedule.input), output: uri(`${output}${ContextAttribute.scheduledTime}/`), format: schedule.format ?? 'csv', ...extra };
  return new Schedule(scope, id, {
    scheduleName: schedule.name,
    description,
    schedule: ScheduleExpression.expression(schedule.cron, schedule.timezone === undefined ? undefined : TimeZone.of(schedule.timezone)),
    target: new StepFunctionsStartExecution(stateMachine, { input: ScheduleTargetInput.fromObject({ job }) }),
  });
}
