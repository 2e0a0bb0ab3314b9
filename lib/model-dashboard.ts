import { Duration } from 'aws-cdk-lib';
import { AlarmStatusWidget, Dashboard, type IAlarm, Stats, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ResolvedModelThresholds } from './model-alarms.ts';
import { concurrency, type ServingAlarms } from './model-alarms.ts';
import { type ModelMetrics, REQUEST_PERIOD } from './model-metrics.ts';
import { batchRunsWidget, driftWidgets, experimentWidgets, graph, line, qualityWidgets, requestWidgets } from './monitoring-widgets.ts';

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
  /** The batch state machines (Lambda path and Batch Transform schedules), when batch scoring is deployed. @default - none */
  readonly batchStateMachines?: readonly IStateMachine[];
  /** Where the model's drift reports are, for the header. */
  readonly reportsUri: string;
  /** Every version the predict function serves of the model, the primary first (A/B variants). @default - the primary alone */
  readonly versions?: readonly string[];
  /** The version that shadows the primary, if any. @default - none */
  readonly shadow?: string;
}

/**
 * One model's dashboard: requests, latency and error rates (the model's own EMF metrics), the
 * predict function it shares (throttles, concurrency, cold starts), its experiment (requests and
 * latency by version, the shadow's agreement, difference, latency and failures), batch runs, drift
 * per feature and overall, live quality, and the state of its alarms. Threshold lines are the alarms'.
 */
export class ModelDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ModelDashboardProps) {
    super(scope, id);
    const { metrics, thresholds: t } = props;
    const { model } = metrics;

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
    this.dashboard.addWidgets(...requestWidgets(metrics, t, true));
    this.dashboard.addWidgets(
      graph('Throttles (predict function)', [props.function.metricThrottles({ statistic: Stats.SUM, period: REQUEST_PERIOD })]),
      graph(
        'Concurrency (predict function)',
        [concurrency(props.function)],
        props.reservedConcurrency === undefined ? [] : [line(props.reservedConcurrency, 'reserved')],
      ),
      graph('Cold start init duration (ms)', [props.serving.initDuration]),
    );
    const experiment = experimentWidgets(metrics, props.versions ?? [model.version], props.shadow);
    if (experiment.length) this.dashboard.addWidgets(...experiment);
    this.dashboard.addWidgets(...driftWidgets(metrics, t));
    const row = qualityWidgets(metrics, t);
    if (props.batchStateMachines?.length) row.push(batchRunsWidget(props.batchStateMachines));
    this.dashboard.addWidgets(...row);
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms, ...props.serving.alarms], width: 24, height: 4 }));
  }
}
