import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type Bucket, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { type IStateMachine, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { experimentsSetting, type ModelConfig, type MonitoringConfig, modelVersion } from './config.ts';
import { DataBucket } from './data-bucket.ts';
import { ModelAlarms, resolveModelThresholds, ServingAlarms } from './model-alarms.ts';
import { EndpointDashboard } from './endpoint-dashboard.ts';
import { ModelDashboard } from './model-dashboard.ts';
import { ModelMetrics, monitoredModel } from './model-metrics.ts';
import { MonitoringJobs, type MonitoringPrefixes, uriOf } from './monitoring-jobs.ts';
import type { PredictFunction } from './predict-function.ts';
import { RetrainingPlaceholder, RetrainingTrigger } from './retraining-trigger.ts';
import { isSageMaker, lambdaModels } from './sagemaker-config.ts';
import type { SageMakerEndpoint } from './sagemaker-endpoint.ts';

/** Key prefixes in the monitoring bucket. */
export const MONITORING_PREFIXES: MonitoringPrefixes = { captures: 'captures', reports: 'drift-reports', labels: 'labels' };

/**
 * The monitoring bucket: captures (expiring), drift reports (expiring) and labels (kept), private,
 * encrypted and SSL-only with server access logs. Separate from the batch bucket, which may not
 * exist or may be someone else's, and whose data has another owner and lifetime.
 */
export function monitoringBucket(scope: Construct, id: string, config: MonitoringConfig['bucket'] = {}): Bucket {
  const { bucket } = new DataBucket(scope, id, { encryption: config.encryption, accessLogsExpirationDays: config.accessLogsExpirationDays });
  bucket.addLifecycleRule({ id: 'captures', prefix: `${MONITORING_PREFIXES.captures}/`, expiration: Duration.days(config.captureExpirationDays ?? 90) });
  bucket.addLifecycleRule({
    id: 'drift-reports',
    prefix: `${MONITORING_PREFIXES.reports}/`,
    // Reports are read when an alarm fires, then rarely.
    transitions: [{ storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }],
    expiration: Duration.days(Math.max(config.reportExpirationDays ?? 365, 31)),
  });
  return bucket;
}

export interface MonitoringProps {
  readonly config: MonitoringConfig;
  /** Every served model: the predict function's, and the SageMaker-served ones, whose endpoints are in `endpoints`. */
  readonly models: readonly ModelConfig[];
  readonly metricsNamespace?: string;
  /** The monitoring bucket (`monitoringBucket`), which the predict and SageMaker invoke functions already capture to. */
  readonly bucket: Bucket;
  readonly predict: PredictFunction;
  readonly reservedConcurrency?: number;
  readonly batchStateMachine?: IStateMachine;
  /** The Batch Transform schedules' state machines: the batch run failure alarm counts their failed runs. @default - none */
  readonly transformStateMachines?: readonly IStateMachine[];
  /**
   * The retraining pipeline (lib/retraining-pipeline.ts) and the model it retrains: that model's drift
   * alarm starts it. `config.retraining.stateMachineArn` wins over it. @default - a placeholder, started by every model's drift
   */
  readonly retrainingPipeline?: { readonly stateMachine: IStateMachine; readonly model: string };
  /** The SageMaker-served models' endpoints, by model name: their alarms notify the topic and their dashboards show the model's drift and live quality too. @default - none */
  readonly endpoints?: Readonly<Record<string, SageMakerEndpoint>>;
}

/**
 * Everything that watches the served models: the alarm topic, the scheduled drift and label-quality
 * jobs, alarms and one dashboard per model, and the drift-triggered retraining. SageMaker-served models
 * are watched alike (drift, live quality, retraining), their serving alarms being their endpoint's.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly jobs: MonitoringJobs;
  readonly serving: ServingAlarms;
  readonly modelAlarms: Record<string, ModelAlarms> = {};
  readonly dashboards: Record<string, ModelDashboard | EndpointDashboard> = {};
  readonly retraining?: RetrainingTrigger;
  readonly retrainingStateMachine?: IStateMachine;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config, bucket } = props;
    const namespace = props.metricsNamespace ?? 'ServerlessInference';
    const logRetention = config.logRetentionDays as RetentionDays | undefined;
    const stackName = Stack.of(this).stackName;

    // SSE with a customer-managed key: CloudWatch cannot publish to a topic under the AWS-managed SNS key.
    const key = new Key(this, 'TopicKey', { enableKeyRotation: true, description: `${stackName} alarm notifications` });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'AlarmTopic', { displayName: `${stackName} alarms`, masterKey: key, enforceSSL: true });
    for (const email of config.notifications?.emails ?? []) this.topic.addSubscription(new EmailSubscription(email));

    // Versions as the predict function serves them: its EXPERIMENTS setting.
    const experiments = experimentsSetting(props.models);
    this.jobs = new MonitoringJobs(this, 'Jobs', {
      bucket,
      prefixes: MONITORING_PREFIXES,
      models: lambdaModels(props.models),
      endpointModels: props.models.filter(isSageMaker).map((m) => ({ name: m.name, modelJson: m.serving.modelJson })),
      drift: config.drift,
      labelQuality: config.labelQuality,
      shadows: props.models.flatMap((m, i) => {
        const candidate = experiments[m.name]?.shadow;
        return candidate ? [{ model: m.name, version: modelVersion(`models[${i}].source`, m.source), candidate }] : [];
      }),
      shadowReport: config.shadowReport,
      logRetention,
      metricsNamespace: props.metricsNamespace,
    });

    const alarms = config.alarms ?? {};
    this.serving = new ServingAlarms(this, 'PredictAlarms', {
      function: props.predict.function,
      logGroup: props.predict.logGroup,
      reservedConcurrency: props.reservedConcurrency,
      batchStateMachine: props.batchStateMachine,
      transformStateMachines: props.transformStateMachines,
      namespace,
      thresholds: alarms,
      topic: this.topic,
    });

    const reportsUri = uriOf(bucket, MONITORING_PREFIXES.reports);
    const batchStateMachines = props.batchStateMachine ? [props.batchStateMachine, ...(props.transformStateMachines ?? [])] : [];
    props.models.forEach((config, i) => {
      const metrics = new ModelMetrics(namespace, monitoredModel(`models[${i}]`, config));
      const thresholds = resolveModelThresholds(alarms, metrics);
      const dashboardName = `${stackName}-${config.name}`;
      if (isSageMaker(config)) {
        const endpoint = props.endpoints?.[config.name];
        if (!endpoint) throw new Error(`endpoints must hold the endpoint of models[${i}] (${config.name}), which SageMaker serves`);
        endpoint.notify(this.topic);
        const modelAlarms = new ModelAlarms(this, `Alarms-${config.name}`, { metrics, thresholds, topic: this.topic, requestAlarms: 'error-rates' });
        this.modelAlarms[config.name] = modelAlarms;
        const monitoring = { metrics, thresholds, alarms: modelAlarms.alarms, reportsUri };
        this.dashboards[config.name] = new EndpointDashboard(this, `Dashboard-${config.name}`, { dashboardName, model: config.name, endpoint, monitoring, batchStateMachines });
        return;
      }
      const modelAlarms = new ModelAlarms(this, `Alarms-${config.name}`, { metrics, thresholds, topic: this.topic });
      this.modelAlarms[config.name] = modelAlarms;
      this.dashboards[config.name] = new ModelDashboard(this, `Dashboard-${config.name}`, {
        dashboardName,
        metrics,
        thresholds,
        function: props.predict.function,
        reservedConcurrency: props.reservedConcurrency,
        serving: this.serving,
        alarms: modelAlarms.alarms,
        batchStateMachines,
        reportsUri,
        // The A/B weights are keyed by version, the primary's first.
        versions: Object.keys(experiments[config.name]?.weights ?? { [metrics.model.version]: 100 }),
        shadow: experiments[config.name]?.shadow,
      });
    });

    const retraining = config.retraining ?? {};
    // The pipeline refuses any model but its own: only that model's drift starts it.
    const pipeline = retraining.stateMachineArn === undefined ? props.retrainingPipeline : undefined;
    const driftAlarms = Object.entries(this.modelAlarms).filter(([name]) => !pipeline || name === pipeline.model).map(([, a]) => a.drift);
    if (retraining.enabled !== false && this.jobs.drift && driftAlarms.length > 0) {
      this.retrainingStateMachine =
        retraining.stateMachineArn !== undefined
          ? StateMachine.fromStateMachineArn(this, 'RetrainingStateMachine', retraining.stateMachineArn)
          : (pipeline?.stateMachine ?? new RetrainingPlaceholder(this, 'RetrainingPlaceholder', { logRetention }).stateMachine);
      this.retraining = new RetrainingTrigger(this, 'Retraining', {
        stateMachine: this.retrainingStateMachine,
        driftAlarms,
        bucket,
        reportsPrefix: MONITORING_PREFIXES.reports,
        cooldownHours: retraining.cooldownHours,
        logRetention,
        metricsNamespace: props.metricsNamespace,
      });
    }

    new CfnOutput(scope, 'AlarmTopicArn', { description: 'Alarm notifications: subscribe here', value: this.topic.topicArn });
    new CfnOutput(scope, 'MonitoringBucketName', { description: 'captures/, drift-reports/ and labels/ (upload label files here)', value: bucket.bucketName });
    if (this.retrainingStateMachine) {
      new CfnOutput(scope, 'RetrainingStateMachineArn', { description: 'Started by the drift alarms', value: this.retrainingStateMachine.stateMachineArn });
    }
  }
}
