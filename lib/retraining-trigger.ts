import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  type IStateMachine,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { checkInteger } from './config.ts';
import { HandlerFunction } from './handler-function.ts';
import { grant, uriOf } from './monitoring-jobs.ts';

export interface RetrainingTriggerProps {
  /** The retraining state machine started with `{ model, version, reason, driftReport, alarm }`. */
  readonly stateMachine: IStateMachine;
  /** The overall drift alarms (one per model) whose change to ALARM starts retraining. */
  readonly driftAlarms: readonly IAlarm[];
  /** The bucket holding drift reports, and their prefix (no trailing '/'). */
  readonly bucket: IBucket;
  readonly reportsPrefix: string;
  /** Hours after a start during which a model's alarm starts nothing. @default 24 */
  readonly cooldownHours?: number;
  readonly logRetention?: RetentionDays;
  readonly logLevel?: string;
  readonly metricsNamespace?: string;
}

/**
 * Drift -> retraining: an EventBridge rule on the drift alarms' change to ALARM invokes the trigger
 * function with the CloudWatch event as is (the alarm's metric dimensions name model and version).
 * It finds the model's latest drift report and starts the state machine, unless it started one for
 * that model within the cooldown: the last start per model is kept in one SSM parameter (a JSON
 * object), and the function runs one invocation at a time, so two alarms never race on it.
 */
export class RetrainingTrigger extends Construct {
  readonly function: HandlerFunction;
  readonly rule: Rule;
  readonly cooldown: StringParameter;

  constructor(scope: Construct, id: string, props: RetrainingTriggerProps) {
    super(scope, id);
    checkInteger('cooldownHours', props.cooldownHours, [1, 24 * 365]);
    if (props.driftAlarms.length === 0) throw new Error('driftAlarms must list at least one alarm');

    this.cooldown = new StringParameter(this, 'LastStarts', {
      parameterName: `/${Stack.of(this).stackName}/retraining/last-starts`,
      description: 'Last retraining start per model (ISO time), kept by the retraining trigger for its cooldown',
      // CloudFormation writes this only on creation or when this property changes; the function owns it after.
      stringValue: '{}',
    });
    this.function = new HandlerFunction(this, 'Trigger', {
      entry: 'functions/monitoring/retraining-trigger.ts',
      serviceName: 'retraining-trigger',
      memorySize: 256,
      timeout: Duration.seconds(30),
      // One at a time: the cooldown is a read-modify-write of one parameter. Throttled events are retried by Lambda.
      reservedConcurrency: 1,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      metricsNamespace: props.metricsNamespace,
      environment: {
        RETRAINING_STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
        COOLDOWN_PARAMETER: this.cooldown.parameterName,
        COOLDOWN_HOURS: String(props.cooldownHours ?? 24),
        REPORTS_URI: uriOf(props.bucket, props.reportsPrefix),
      },
    });
    props.stateMachine.grantStartExecution(this.function.role);
    this.function.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['ssm:GetParameter', 'ssm:PutParameter'], resources: [this.cooldown.parameterArn] }));
    grant(this.function.role, props.bucket, { list: [props.reportsPrefix], read: [props.reportsPrefix], write: [] }, "finds and reads the model's latest drift report");

    this.rule = new Rule(this, 'DriftAlarmRule', {
      description: 'A model drift alarm went to ALARM: start retraining (cooldown permitting)',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: props.driftAlarms.map((a) => a.alarmArn),
        detail: { state: { value: ['ALARM'] } },
      },
      targets: [new LambdaFunction(this.function.function, { retryAttempts: 4, maxEventAge: Duration.hours(2) })],
    });
  }
}

export interface RetrainingPlaceholderProps {
  readonly logRetention?: RetentionDays;
}

/**
 * Stands in for the retraining state machine until it exists: it checks that its input follows
 * the contract (`model`, `version`, `reason`, `driftReport` as an s3:// URI, `alarm`) and records it in its
 * execution history and logs; it trains nothing. Replace it by setting `monitoring.retraining.stateMachineArn`.
 */
export class RetrainingPlaceholder extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: RetrainingPlaceholderProps = {}) {
    super(scope, id);
    const valid = Condition.and(
      ...['model', 'version', 'reason', 'alarm'].map((field) => Condition.and(Condition.isPresent(`$.${field}`), Condition.isString(`$.${field}`))),
      Condition.isPresent('$.driftReport'),
      Condition.isString('$.driftReport'),
      Condition.stringMatches('$.driftReport', 's3://*'),
    );
    const definition = new Choice(this, 'CheckRequest')
      .when(valid, new Succeed(this, 'RetrainingRequested', { comment: 'Recorded only: no retraining state machine is configured yet.' }))
      .otherwise(new Fail(this, 'InvalidRequest', { error: 'InvalidRetrainingRequest', cause: 'Input must hold model, version, reason and alarm strings and an s3:// driftReport' }));
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(definition),
      comment: `Placeholder of ${Stack.of(this).stackName}'s retraining: records drift-triggered requests`,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Log delivery (logs:*LogDelivery, DescribeLogGroups, resource policies) and X-Ray tracing support no resource-level permissions.',
    });
  }
}
