import { Duration } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type HorizontalAnnotation,
  type IAlarm,
  type IMetric,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ResolvedModelThresholds } from './model-alarms.ts';
import { concurrency, type ServingAlarms } from './model-alarms.ts';
import { type ModelMetrics, REQUEST_PERIOD } from './model-metrics.ts';

export interface ModelDashboardProps {
  readonly dashboardName: string;
  readonly metrics: ModelMetrics;
  readonly thresholds: ResolvedModelThresholds;
  /** The predict function serving the model. */
  readonly function: IFunction;
  readonly reservedConcurrency?: number;
  readonly serving: ServingAlarms;
  /** The model's own alarms, shown in a status row. */
  readonly alarms: readonly IAlarm[];
  readonly batchStateMachine?: IStateMachine;
  /** Where the model's drift reports are, for the header. */
  readonly reportsUri: string;
}

/**
 * One model's dashboard: requests, latency and error rates (the model's own EMF metrics), the
 * predict function it shares (throttles, concurrency, cold starts), batch runs, drift per feature
 * and overall, live quality, and the state of its alarms. Threshold lines are the alarms'.
 */
export class ModelDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ModelDashboardProps) {
    super(scope, id);
    const { metrics, thresholds: t } = props;
    const { model } = metrics;
    const line = (value: number, label: string): HorizontalAnnotation => ({ value, label });
    const graph = (title: string, left: IMetric[], annotations: HorizontalAnnotation[] = [], width = 8) =>
      new GraphWidget({ title, left, leftAnnotations: annotations, width, height: 6 });

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName, defaultInterval: Duration.days(1) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          `# ${model.name} ${model.version}\n` +
          `Served from \`${model.source}\`${model.task ? ` (${model.task})` : ''}. ` +
          `Drift reports: \`${props.reportsUri}/${model.name}/${model.version}/\`. Latency and errors are per model; throttles, concurrency and cold starts are the predict function's, shared by every model it serves.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Requests (per 5 min)', [metrics.requests().with({ label: 'requests' })]),
      graph('Latency (ms)', [metrics.latency('p50').with({ label: 'p50' }), metrics.latency('p99').with({ label: 'p99' })], [line(t.latencyP50Ms, 'p50 alarm'), line(t.latencyP99Ms, 'p99 alarm')]),
      graph(
        'Error rates (%)',
        [metrics.errorRate('ClientErrors', 1), metrics.errorRate('ServerErrors', 1)],
        [line(t.clientErrorRatePercent, '4xx alarm'), line(t.serverErrorRatePercent, '5xx alarm')],
      ),
    );
    this.dashboard.addWidgets(
      graph('Throttles (predict function)', [props.function.metricThrottles({ statistic: Stats.SUM, period: REQUEST_PERIOD })]),
      graph(
        'Concurrency (predict function)',
        [concurrency(props.function)],
        props.reservedConcurrency === undefined ? [] : [line(props.reservedConcurrency, 'reserved')],
      ),
      graph('Cold start init duration (ms)', [props.serving.initDuration]),
    );
    this.dashboard.addWidgets(
      graph('Drift: overall decision and prediction PSI', [metrics.driftDetected().with({ label: 'drift detected' }), metrics.predictionPsi().with({ label: 'prediction PSI' })], [line(1, 'drift')]),
      graph('Drift: PSI per feature', [metrics.perFeature('FeaturePsi')], [line(t.featurePsi, 'PSI alarm')]),
      graph('Drift: drifted features (1 = drifted)', [metrics.perFeature('FeatureDrift')]),
    );
    const quality = (() => {
      if (model.task === 'regression') return [metrics.quality('LiveRmse'), metrics.quality('LiveMae')];
      if (model.task === 'binary-classification') return [metrics.quality('LiveAccuracy'), metrics.quality('LiveAuc')];
      if (model.task === 'multiclass-classification') return [metrics.quality('LiveAccuracy')];
      // An S3 package's task is known only at run time: show whichever the job emits.
      return [metrics.quality('LiveAccuracy'), metrics.quality('LiveAuc'), metrics.quality('LiveRmse'), metrics.quality('LiveMae')];
    })();
    const bounds = [
      t.minAccuracy !== undefined && line(t.minAccuracy, 'accuracy floor'),
      t.minAuc !== undefined && line(t.minAuc, 'AUC floor'),
      t.maxRmse !== undefined && line(t.maxRmse, 'RMSE ceiling'),
      t.maxMae !== undefined && line(t.maxMae, 'MAE ceiling'),
    ].filter((a): a is HorizontalAnnotation => a !== false);
    const row = [graph('Live quality (labeled predictions)', quality, bounds), graph('Labeled rows per run', [metrics.labeledRows().with({ label: 'labeled rows' })])];
    if (props.batchStateMachine) {
      const day = { statistic: Stats.SUM, period: Duration.hours(1) };
      row.push(graph('Batch runs (all models)', [props.batchStateMachine.metricSucceeded(day), props.batchStateMachine.metricFailed(day), props.batchStateMachine.metricTimedOut(day)]));
    }
    this.dashboard.addWidgets(...row);
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms, ...props.serving.alarms], width: 24, height: 4 }));
  }
}
