import { Duration } from 'aws-cdk-lib';
import { AlarmStatusWidget, Dashboard, GraphWidget, type IAlarm, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ResolvedModelThresholds } from './model-alarms.ts';
import type { ModelMetrics } from './model-metrics.ts';
import { batchRunsWidget, driftWidgets, graph, line, qualityWidgets, requestWidgets } from './monitoring-widgets.ts';
import type { SageMakerEndpoint } from './sagemaker-endpoint.ts';

/** What the monitoring jobs say of a SageMaker-served model, shown as on a Lambda-served model's dashboard. */
export interface EndpointModelMonitoring {
  /** The model's drift and live-quality metrics. */
  readonly metrics: ModelMetrics;
  /** Its thresholds, for the graphs' alarm lines. */
  readonly thresholds: ResolvedModelThresholds;
  /** Its drift and live-quality alarms, shown with the endpoint's. */
  readonly alarms: readonly IAlarm[];
  /** Where its drift reports are, for the header. */
  readonly reportsUri: string;
}

export interface EndpointDashboardProps {
  readonly dashboardName: string;
  /** The model's name (the API's `{name}`). */
  readonly model: string;
  /** The endpoint serving it: its metrics, alarms and thresholds. */
  readonly endpoint: SageMakerEndpoint;
  /** Drift and live quality from the monitoring jobs. @default - the endpoint's metrics and alarms only */
  readonly monitoring?: EndpointModelMonitoring;
  /** The batch state machines (Lambda path and Batch Transform schedules), when batch scoring is deployed. @default - none */
  readonly batchStateMachines?: readonly IStateMachine[];
}

/**
 * The dashboard of a SageMaker-served model: invocations, 4xx/5xx errors, ModelLatency and
 * OverheadLatency of every variant as AWS/SageMaker reports them, the API's requests, latency and
 * error rates as the invoke function answered them, drift and live quality (the same widgets as a
 * Lambda-served model's dashboard) when monitored, batch runs (Batch Transform's
 * included) when batch scoring is deployed, and the state of the alarms.
 * Threshold lines are the alarms' (the endpoint's on the primary variant).
 */
export class EndpointDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: EndpointDashboardProps) {
    super(scope, id);
    const { endpoint, monitoring } = props;
    const reports = monitoring && ` Drift reports: \`${monitoring.reportsUri}/${props.model}/${monitoring.metrics.model.version}/\`.`;
    const t = endpoint.thresholds;
    const variants = endpoint.variantNames;
    const perVariant = (metricName: string, statistic: string, what = metricName) =>
      variants.map((v) => endpoint.metric(metricName, statistic, v).with({ label: `${v} ${what}` }));

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName, defaultInterval: Duration.days(1) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ${props.model}\nServed by SageMaker endpoint \`${endpoint.endpointName}\` (variants ${variants.join(', ')}). Latencies are in microseconds, as SageMaker reports them.${reports ?? ''}`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Invocations (per 5 min)', perVariant('Invocations', 'Sum'), [], 12),
      new GraphWidget({
        title: 'Errors (per 5 min, left) and primary 5xx rate (%, right)',
        left: [...perVariant('Invocation4XXErrors', 'Sum', '4xx'), ...perVariant('Invocation5XXErrors', 'Sum', '5xx')],
        right: [endpoint.serverErrorRate()],
        rightAnnotations: [line(t.serverErrorRatePercent, '5xx rate alarm')],
        width: 12,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      graph('ModelLatency (µs)', [...perVariant('ModelLatency', 'p50', 'p50'), ...perVariant('ModelLatency', 'p99', 'p99')], [line(t.latencyP99Ms * 1000, 'p99 alarm')], 12),
      graph('OverheadLatency (µs)', [...perVariant('OverheadLatency', 'p50', 'p50'), ...perVariant('OverheadLatency', 'p99', 'p99')], [line(t.overheadLatencyP99Ms * 1000, 'p99 alarm')], 12),
    );
    if (monitoring) {
      this.dashboard.addWidgets(...requestWidgets(monitoring.metrics, monitoring.thresholds, false, 'API: '));
      this.dashboard.addWidgets(...driftWidgets(monitoring.metrics, monitoring.thresholds));
    }
    const batch = props.batchStateMachines?.length ? [batchRunsWidget(props.batchStateMachines)] : [];
    const quality = monitoring ? qualityWidgets(monitoring.metrics, monitoring.thresholds, batch.length ? 8 : 12) : [];
    if (quality.length || batch.length) this.dashboard.addWidgets(...quality, ...batch);
    const alarms = [...Object.values(endpoint.alarms), ...(monitoring?.alarms ?? [])];
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: monitoring ? 4 : 3 }));
  }
}
