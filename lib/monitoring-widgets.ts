import { Duration } from 'aws-cdk-lib';
import { GraphWidget, type HorizontalAnnotation, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { batchRuns } from './batch-run-metrics.ts';
import type { ResolvedModelThresholds } from './model-alarms.ts';
import type { ModelMetrics } from './model-metrics.ts';

/** A threshold line on a graph. */
export const line = (value: number, label: string): HorizontalAnnotation => ({ value, label });

/** A graph of the model dashboards: 6 high, threshold lines on the left axis. */
export const graph = (title: string, left: IMetric[], annotations: HorizontalAnnotation[] = [], width = 8) =>
  new GraphWidget({ title, left, leftAnnotations: annotations, width, height: 6 });

/** The requests the model's API front answered: their count, latency p50/p99 and 4xx/5xx rates, with the alarms' lines (latency's only where it has latency alarms). */
export function requestWidgets(metrics: ModelMetrics, t: ResolvedModelThresholds, latencyAlarms: boolean, title = ''): GraphWidget[] {
  return [
    graph(`${title}Requests (per 5 min)`, [metrics.requests().with({ label: 'requests' })]),
    graph(`${title}Latency (ms)`, [metrics.latency('p50').with({ label: 'p50' }), metrics.latency('p99').with({ label: 'p99' })], latencyAlarms ? [line(t.latencyP50Ms, 'p50 alarm'), line(t.latencyP99Ms, 'p99 alarm')] : []),
    graph(
      `${title}Error rates (%)`,
      [metrics.errorRate('ClientErrors', 1), metrics.errorRate('ServerErrors', 1)],
      [line(t.clientErrorRatePercent, '4xx alarm'), line(t.serverErrorRatePercent, '5xx alarm')],
    ),
  ];
}

/** The drift job's row: its overall decision and prediction PSI, PSI per feature against the alarm's line, and which features drifted. */
export function driftWidgets(metrics: ModelMetrics, t: ResolvedModelThresholds): GraphWidget[] {
  return [
    graph('Drift: overall decision and prediction PSI', [metrics.driftDetected().with({ label: 'drift detected' }), metrics.predictionPsi().with({ label: 'prediction PSI' })], [line(1, 'drift')]),
    graph('Drift: PSI per feature', [metrics.perFeature('FeaturePsi')], [line(t.featurePsi, 'PSI alarm')]),
    graph('Drift: drifted features (1 = drifted)', [metrics.perFeature('FeatureDrift')]),
  ];
}

/** The label-quality job's graphs: the task's live metrics between the alarms' bounds, and labeled rows per run. */
export function qualityWidgets(metrics: ModelMetrics, t: ResolvedModelThresholds, width = 8): GraphWidget[] {
  const { task } = metrics.model;
  const quality = (() => {
    if (task === 'regression') return [metrics.quality('LiveRmse'), metrics.quality('LiveMae')];
    if (task === 'binary-classification') return [metrics.quality('LiveAccuracy'), metrics.quality('LiveAuc')];
    if (task === 'multiclass-classification') return [metrics.quality('LiveAccuracy')];
    // An S3 package's task is known only at run time: show whichever the job emits.
    return [metrics.quality('LiveAccuracy'), metrics.quality('LiveAuc'), metrics.quality('LiveRmse'), metrics.quality('LiveMae')];
  })();
  const bounds = [
    t.minAccuracy !== undefined && line(t.minAccuracy, 'accuracy floor'),
    t.minAuc !== undefined && line(t.minAuc, 'AUC floor'),
    t.maxRmse !== undefined && line(t.maxRmse, 'RMSE ceiling'),
    t.maxMae !== undefined && line(t.maxMae, 'MAE ceiling'),
  ].filter((a): a is HorizontalAnnotation => a !== false);
  return [graph('Live quality (labeled predictions)', quality, bounds, width), graph('Labeled rows per run', [metrics.labeledRows().with({ label: 'labeled rows' })], [], width)];
}

/** Batch runs per hour by how they ended, over every engine's state machines (Lambda and Batch Transform). */
export function batchRunsWidget(machines: readonly IStateMachine[], width = 8): GraphWidget {
  const hour = Duration.hours(1);
  return graph(
    'Batch runs (all models)',
    [batchRuns(machines, ['succeeded'], 'succeeded', hour), batchRuns(machines, ['failed'], 'failed', hour), batchRuns(machines, ['timedOut'], 'timed out', hour)],
    [],
    width,
  );
}

/**
 * An experiment's row: each served version's requests and p99 latency side by side (the A/B split
 * as it happens), and a shadow candidate's agreement, mean difference, latency and failures beside
 * the primary.
 */
export function experimentWidgets(metrics: ModelMetrics, versions: readonly string[], shadow: string | undefined): GraphWidget[] {
  const widgets: GraphWidget[] = [];
  if (versions.length > 1) {
    const each = versions.map((v) => metrics.forVersion(v));
    widgets.push(
      graph('Requests by version (A/B split)', each.map((m) => m.requests().with({ label: m.model.version }))),
      graph('Latency p99 by version (ms)', each.map((m) => m.latency('p99').with({ label: m.model.version }))),
    );
  }
  if (shadow) {
    widgets.push(
      graph(`Shadow ${shadow}: agreement (%) and failures`, [
        metrics.shadow('ShadowAgreement', 'Average', shadow).with({ label: 'label agreement %' }),
        metrics.shadow('ShadowErrors', 'Sum', shadow).with({ label: 'failed mirrors' }),
      ]),
      graph(`Shadow ${shadow}: mean |difference| and latency (ms)`, [
        metrics.shadow('ShadowMeanAbsDiff', 'Average', shadow).with({ label: 'mean |difference|' }),
        metrics.shadow('ShadowLatency', 'p50', shadow).with({ label: 'shadow p50' }),
        metrics.shadow('ShadowLatency', 'p99', shadow).with({ label: 'shadow p99' }),
      ]),
    );
  }
  return widgets;
}
