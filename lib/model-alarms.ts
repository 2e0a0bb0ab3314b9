import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { batchRuns } from './batch-run-metrics.ts';
import type { AlarmsConfig, ModelAlarmThresholds } from './config.ts';
import { JOB_PERIOD, type ModelMetrics, REQUEST_PERIOD } from './model-metrics.ts';

/** Every model threshold, defaults applied; quality bounds stay undefined when nothing sets or derives them. */
export type ResolvedModelThresholds = Required<Omit<ModelAlarmThresholds, 'minAccuracy' | 'minAuc' | 'maxRmse' | 'maxMae'>> &
  Pick<ModelAlarmThresholds, 'minAccuracy' | 'minAuc' | 'maxRmse' | 'maxMae'>;

export const MODEL_THRESHOLD_DEFAULTS = {
  latencyP50Ms: 100,
  latencyP99Ms: 1000,
  clientErrorRatePercent: 10,
  serverErrorRatePercent: 1,
  minRequests: 20,
  featurePsi: 0.25,
  qualityDrop: 0.05,
  errorIncreasePercent: 25,
  minLabeledRows: 100,
} as const;

/**
 * A model's thresholds: the per-model override, else the global setting, else the default. Live
 * quality bounds not set are derived from model.json's holdout metrics when the package is bundled.
 */
export function resolveModelThresholds(alarms: AlarmsConfig, metrics: ModelMetrics): ResolvedModelThresholds {
  const own = alarms.models?.[metrics.model.name] ?? {};
  const pick = <K extends keyof typeof MODEL_THRESHOLD_DEFAULTS>(key: K): number => own[key] ?? alarms[key] ?? MODEL_THRESHOLD_DEFAULTS[key];
  const qualityDrop = pick('qualityDrop');
  const increase = 1 + pick('errorIncreasePercent') / 100;
  const { task, holdout = {} } = metrics.model;
  const classifier = task !== undefined && task !== 'regression';
  const derived = {
    minAccuracy: classifier && holdout.accuracy !== undefined ? round(holdout.accuracy - qualityDrop) : undefined,
    minAuc: task === 'binary-classification' && holdout.rocAuc !== undefined ? round(holdout.rocAuc - qualityDrop) : undefined,
    maxRmse: task === 'regression' && holdout.rmse !== undefined ? round(holdout.rmse * increase) : undefined,
    maxMae: task === 'regression' && holdout.mae !== undefined ? round(holdout.mae * increase) : undefined,
  };
  return {
    latencyP50Ms: pick('latencyP50Ms'),
    latencyP99Ms: pick('latencyP99Ms'),
    clientErrorRatePercent: pick('clientErrorRatePercent'),
    serverErrorRatePercent: pick('serverErrorRatePercent'),
    minRequests: pick('minRequests'),
    featurePsi: pick('featurePsi'),
    qualityDrop,
    errorIncreasePercent: pick('errorIncreasePercent'),
    minLabeledRows: pick('minLabeledRows'),
    // A known task keeps only its own metrics (a global bound may name the other kind's); an unknown task keeps all.
    minAccuracy: task === 'regression' ? undefined : (own.minAccuracy ?? alarms.minAccuracy ?? derived.minAccuracy),
    minAuc: task === 'regression' || task === 'multiclass-classification' ? undefined : (own.minAuc ?? alarms.minAuc ?? derived.minAuc),
    maxRmse: classifier ? undefined : (own.maxRmse ?? alarms.maxRmse ?? derived.maxRmse),
    maxMae: classifier ? undefined : (own.maxMae ?? alarms.maxMae ?? derived.maxMae),
  };
}

const round = (value: number) => Math.round(value * 1e4) / 1e4;

interface AlarmSpec {
  readonly id: string;
  readonly description: string;
  readonly metric: IMetric;
  readonly threshold: number;
  readonly comparison: ComparisonOperator;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm?: number;
  readonly treatMissingData: TreatMissingData;
}

/** Creates named alarms that notify a topic, when there is one, on ALARM and OK. */
abstract class AlarmSet extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly topic: ITopic | undefined,
    private readonly namePrefix: string,
  ) {
    super(scope, id);
  }

  protected alarm(spec: AlarmSpec): Alarm {
    const alarm = new Alarm(this, spec.id, {
      alarmName: `${this.namePrefix}-${spec.id}`,
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparison,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm,
      treatMissingData: spec.treatMissingData,
    });
    if (this.topic) {
      alarm.addAlarmAction(new SnsAction(this.topic));
      alarm.addOkAction(new SnsAction(this.topic));
    }
    this.alarms.push(alarm);
    return alarm;
  }
}

export interface ModelAlarmsProps {
  /** The model's metrics. */
  readonly metrics: ModelMetrics;
  /** Thresholds, resolved (`resolveModelThresholds`). */
  readonly thresholds: ResolvedModelThresholds;
  /** Where every alarm notifies. */
  readonly topic: ITopic;
  /**
   * The alarms on the requests the model's API front answered (its EMF metrics): 'all' (latency
   * p50/p99, 4xx and 5xx rates) for a Lambda-served model; 'error-rates' for a SageMaker-served one,
   * whose latency alarms are its endpoint's (ModelLatency, OverheadLatency). @default 'all'
   */
  readonly requestAlarms?: 'all' | 'error-rates';
}

/**
 * One model's alarms, named `<stack>-<model>-<what>`: latency p50/p99 and 4xx/5xx rates of the
 * requests its API front answered (EMF), drift (largest feature PSI, and the drift job's overall
 * decision) and live quality. A SageMaker-served model's latency alarms are its endpoint's instead
 * (ModelLatency and OverheadLatency from AWS/SageMaker, lib/sagemaker-endpoint.ts), notifying the
 * same topic; its API error rates are judged here, on the invoke function's answers.
 */
export class ModelAlarms extends AlarmSet {
  /** The overall drift alarm, whose ALARM state starts retraining. */
  readonly drift: Alarm;
  /** The 5xx-rate and p99-latency alarms, which also guard rollouts (Lambda-served models only). */
  readonly serving?: ServingGuards;
  /** The live-quality alarms this model has (none without quality bounds), which also guard rollouts. */
  readonly quality: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ModelAlarmsProps) {
    const { metrics, thresholds: t } = props;
    const model = metrics.model;
    super(scope, id, props.topic, `${Stack.of(scope).stackName}-${model.name}`);
    const runs = { evaluationPeriods: 1, treatMissingData: TreatMissingData.IGNORE };
    const over = ComparisonOperator.GREATER_THAN_THRESHOLD;
    const under = ComparisonOperator.LESS_THAN_THRESHOLD;
    const at = `${model.name} ${model.version}`;
    const specs = requestAlarmSpecs(metrics, t);
    this.alarm(specs.clientErrorRate);
    const serverErrorRate = this.alarm(specs.serverErrorRate);
    if (props.requestAlarms !== 'error-rates') {
      this.alarm(specs.latencyP50);
      this.serving = { latencyP99: this.alarm(specs.latencyP99), serverErrorRate };
    }
    // A run emits one datapoint; IGNORE keeps the state until the next run says otherwise.
    this.alarm({ id: 'feature-psi', description: `${at}: a feature's PSI above ${t.featurePsi} in the last drift run`, metric: metrics.maxFeaturePsi(), threshold: t.featurePsi, comparison: over, ...runs });
    this.drift = this.alarm({
      id: 'drift',
      description: `${at}: the drift job found significant drift of a meaningful size (starts retraining when enabled)`,
      metric: metrics.driftDetected(),
      threshold: 1,
      comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      ...runs,
    });

    const quality = (id: string, name: 'LiveAccuracy' | 'LiveAuc' | 'LiveRmse' | 'LiveMae', bound: number | undefined, floor: boolean) => {
      if (bound === undefined) return;
      // Runs with too few labels prove nothing: they read as a value that never breaches.
      const metric = new MathExpression({
        expression: `IF(rows >= ${t.minLabeledRows}, quality, ${floor ? 1 : 0})`,
        usingMetrics: { quality: metrics.quality(name), rows: metrics.labeledRows() },
        label: name,
        period: JOB_PERIOD,
      });
      const words = floor ? `below ${bound}` : `above ${bound}`;
      this.quality.push(this.alarm({ id, description: `${at}: ${name} ${words} over ${t.minLabeledRows}+ labeled rows`, metric, threshold: bound, comparison: floor ? under : over, ...runs }));
    };
    quality('live-accuracy', 'LiveAccuracy', t.minAccuracy, true);
    quality('live-auc', 'LiveAuc', t.minAuc, true);
    quality('live-rmse', 'LiveRmse', t.maxRmse, false);
    quality('live-mae', 'LiveMae', t.maxMae, false);
  }
}

/** A model's alarms that judge its requests: what a rollout watches at the least. */
export interface ServingGuards {
  readonly latencyP99: Alarm;
  readonly serverErrorRate: Alarm;
}

/** The request alarms of a model's API front (EMF latency and error rates), judged over 3 consecutive 5-minute periods. */
function requestAlarmSpecs(metrics: ModelMetrics, t: ResolvedModelThresholds): Record<'latencyP50' | 'latencyP99' | 'clientErrorRate' | 'serverErrorRate', AlarmSpec> {
  const requests = { evaluationPeriods: 3, treatMissingData: TreatMissingData.NOT_BREACHING, comparison: ComparisonOperator.GREATER_THAN_THRESHOLD };
  const at = `${metrics.model.name} ${metrics.model.version}`;
  return {
    latencyP50: { id: 'latency-p50', description: `${at}: median latency above ${t.latencyP50Ms} ms for 15 minutes`, metric: metrics.latency('p50'), threshold: t.latencyP50Ms, ...requests },
    latencyP99: { id: 'latency-p99', description: `${at}: p99 latency above ${t.latencyP99Ms} ms for 15 minutes`, metric: metrics.latency('p99'), threshold: t.latencyP99Ms, ...requests },
    clientErrorRate: {
      id: '4xx-rate',
      description: `${at}: over ${t.clientErrorRatePercent}% of requests answered 4xx for 15 minutes (periods of ${t.minRequests}+ requests)`,
      metric: metrics.errorRate('ClientErrors', t.minRequests),
      threshold: t.clientErrorRatePercent,
      ...requests,
    },
    serverErrorRate: {
      id: '5xx-rate',
      description: `${at}: over ${t.serverErrorRatePercent}% of requests answered 5xx for 15 minutes (periods of ${t.minRequests}+ requests)`,
      metric: metrics.errorRate('ServerErrors', t.minRequests),
      threshold: t.serverErrorRatePercent,
      ...requests,
    },
  };
}

/**
 * The 5xx-rate and p99-latency alarms of one model alone, with no notification: what a rollout
 * needs when monitoring (and so `ModelAlarms`) is not deployed. Same names and definitions.
 */
export class RolloutGuardAlarms extends AlarmSet {
  readonly serving: ServingGuards;

  constructor(scope: Construct, id: string, props: Omit<ModelAlarmsProps, 'topic'>) {
    super(scope, id, undefined, `${Stack.of(scope).stackName}-${props.metrics.model.name}`);
    const specs = requestAlarmSpecs(props.metrics, props.thresholds);
    this.serving = { latencyP99: this.alarm(specs.latencyP99), serverErrorRate: this.alarm(specs.serverErrorRate) };
  }
}

export interface ServingAlarmsProps {
  /** The predict function (all models share it). */
  readonly function: IFunction;
  /** Its log group, in Lambda's JSON format: cold starts are read from `platform.report` records. */
  readonly logGroup: ILogGroup;
  /** Its reserved concurrency, if any: the concurrency alarm needs it. */
  readonly reservedConcurrency?: number;
  /** The batch state machine, when batch scoring is deployed. */
  readonly batchStateMachine?: IStateMachine;
  /** The Batch Transform schedules' state machines, whose failed runs count as batch run failures too. @default - none */
  readonly transformStateMachines?: readonly IStateMachine[];
  /** Namespace of the init-duration metric. */
  readonly namespace: string;
  readonly thresholds: Pick<AlarmsConfig, 'throttles' | 'concurrencyPercent' | 'initDurationMs' | 'batchRunFailures'>;
  readonly topic: ITopic;
}

/** Alarms of what every model shares: the predict function (throttles, concurrency, cold starts) and batch runs. */
export class ServingAlarms extends AlarmSet {
  /** Lambda's Init Duration of the predict function's cold starts (ms), from its logs. */
  readonly initDuration: Metric;

  constructor(scope: Construct, id: string, props: ServingAlarmsProps) {
    super(scope, id, props.topic, `${Stack.of(scope).stackName}-predict`);
    const t = props.thresholds;
    const filter = new MetricFilter(this, 'InitDurationFilter', {
      logGroup: props.logGroup,
      filterPattern: FilterPattern.all(FilterPattern.stringValue('$.type', '=', 'platform.report'), FilterPattern.numberValue('$.record.metrics.initDurationMs', '>', 0)),
      metricNamespace: props.namespace,
      metricName: 'PredictInitDuration',
      metricValue: '$.record.metrics.initDurationMs',
    });
    this.initDuration = filter.metric({ statistic: 'Maximum', period: REQUEST_PERIOD, label: 'init duration (max)' });

    const throttles = t.throttles ?? 1;
    this.alarm({
      id: 'throttles',
      description: `predict function: ${throttles}+ throttled invocations in 5 minutes`,
      metric: props.function.metricThrottles({ statistic: 'Sum', period: REQUEST_PERIOD }),
      threshold: throttles,
      comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.reservedConcurrency !== undefined) {
      const percent = t.concurrencyPercent ?? 80;
      const limit = Math.ceil((props.reservedConcurrency * percent) / 100);
      this.alarm({
        id: 'concurrency',
        description: `predict function: concurrency at ${percent}% (${limit}) of its ${props.reservedConcurrency} reserved`,
        metric: concurrency(props.function),
        threshold: limit,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    const initMs = t.initDurationMs ?? 3000;
    this.alarm({
      id: 'init-duration',
      description: `predict function: cold starts slower than ${initMs} ms in 2 of 3 five-minute periods`,
      metric: this.initDuration,
      threshold: initMs,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.batchStateMachine) {
      const failures = t.batchRunFailures ?? 1;
      const period = Duration.hours(1);
      const machines = [props.batchStateMachine, ...(props.transformStateMachines ?? [])];
      this.alarm({
        id: 'batch-run-failures',
        description: `batch scoring${machines.length > 1 ? ' (Lambda and Batch Transform)' : ''}: ${failures}+ runs failed or timed out in an hour (the run's _manifest.json says why)`,
        metric: batchRuns(machines, ['failed', 'timedOut'], 'failed runs', period),
        threshold: failures,
        comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
  }
}

/** Peak concurrent executions of a function (emitted for functions with reserved concurrency). */
export function concurrency(fn: IFunction): Metric {
  return fn.metric('ConcurrentExecutions', { statistic: 'Maximum', period: REQUEST_PERIOD, label: 'concurrency (max)' });
}
