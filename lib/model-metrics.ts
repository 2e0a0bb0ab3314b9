import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { ModelPackage } from '../functions/core/model-package.ts';
import { parsePackage } from '../functions/core/package-file.ts';
import { type ModelConfig, modelVersion, parseSource } from './config.ts';
import { PROJECT_ROOT } from './handler-function.ts';
import { checkModelJson } from './model-json.ts';
import { isSageMaker } from './sagemaker-config.ts';

/** Powertools service names (the `service` dimension) of the functions whose metrics monitoring reads. */
export const SERVICES = {
  predict: 'predict',
  invoke: 'sagemaker-invoke',
  drift: 'drift-job',
  labelQuality: 'label-quality',
  shadowReport: 'shadow-report',
  batchFinalize: 'batch-finalize',
} as const;

/**
 * A served model as monitoring sees it: its metrics' `model` and `version` dimensions, and, for a
 * bundled package or a SageMaker-served model, what its model.json says (task, features, holdout
 * metrics). An S3 package is only read at run time, so those stay unknown at synth.
 */
export interface MonitoredModel {
  readonly name: string;
  readonly version: string;
  readonly source: string;
  readonly task?: 'binary-classification' | 'multiclass-classification' | 'regression';
  readonly features?: readonly string[];
  readonly holdout?: Readonly<Record<string, number>>;
  /** The service whose EMF request metrics (Latency, ClientErrors, ServerErrors) are this model's: the function that answers its API calls. */
  readonly front: typeof SERVICES.predict | typeof SERVICES.invoke;
}

/** What monitoring reads of a model.json. */
const described = (pkg: ModelPackage): Pick<MonitoredModel, 'task' | 'features' | 'holdout'> => ({ task: pkg.task, features: pkg.features.map((f) => f.name), holdout: pkg.metrics.holdout });

export function monitoredModel(path: string, model: ModelConfig): MonitoredModel {
  const version = modelVersion(`${path}.source`, model.source);
  if (isSageMaker(model)) {
    // The invoke function serves this model.json: its version is the one captures and job metrics carry.
    const pkg = checkModelJson({ name: model.name, modelJson: model.serving.modelJson });
    if (pkg.version !== version) throw new Error(`${path}.source names version ${version} but ${path}.serving.modelJson holds version ${pkg.version}`);
    return { name: model.name, version, source: model.serving.modelJson, ...described(pkg), front: SERVICES.invoke };
  }
  const source = parseSource(`${path}.source`, model.source);
  if (source.kind !== 'bundled') return { name: model.name, version, source: model.source, front: SERVICES.predict };
  const pkg = parsePackage(readFileSync(join(PROJECT_ROOT, source.folder, 'model.json'), 'utf8'), source.folder);
  return { name: model.name, version, source: model.source, ...described(pkg), front: SERVICES.predict };
}

/** The period request metrics are judged over. */
export const REQUEST_PERIOD = Duration.minutes(5);
/** The period job metrics (drift, live quality) are judged over: a run emits one datapoint. */
export const JOB_PERIOD = Duration.hours(1);

/**
 * The CloudWatch metrics of one model, as its handlers emit them (EMF, dimensions service + model +
 * version): one place for the alarms and the dashboard to read them from.
 */
export class ModelMetrics {
  constructor(
    readonly namespace: string,
    readonly model: MonitoredModel,
  ) {}

  // No labels: a labelled metric makes its alarm a metric-math alarm; dashboards label with `.with()`.
  private emf(service: string, metricName: string, statistic: string, period: Duration): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: { service, model: this.model.name, version: this.model.version },
      statistic,
      period,
    });
  }

  /** What the predict function reports of a shadow candidate beside this version (functions/predict/observability.ts). */
  shadow(metricName: 'ShadowAgreement' | 'ShadowMeanAbsDiff' | 'ShadowLatency' | 'ShadowErrors', statistic: string, candidate: string): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: { service: SERVICES.predict, model: this.model.name, version: this.model.version, candidate },
      statistic,
      period: REQUEST_PERIOD,
    });
  }

  /** The same model's metrics under another of its served versions (an A/B variant). */
  forVersion(version: string): ModelMetrics {
    return new ModelMetrics(this.namespace, { ...this.model, version });
  }

  /** Handler latency (ms) at a percentile such as 'p50' or 'p99'. */
  latency(percentile: string): Metric {
    return this.emf(this.model.front, 'Latency', percentile, REQUEST_PERIOD);
  }

  /** Requests answered: every request records one latency. */
  requests(period = REQUEST_PERIOD): Metric {
    return this.emf(this.model.front, 'Latency', 'SampleCount', period);
  }

  /** Percent of requests answered 4xx ('ClientErrors') or 5xx ('ServerErrors'), 0 below `minRequests` a period. */
  errorRate(metricName: 'ClientErrors' | 'ServerErrors', minRequests: number): MathExpression {
    // Ids are the metric names, so that both rates can share a graph.
    const errors = metricName === 'ClientErrors' ? 'clientErrors' : 'serverErrors';
    return new MathExpression({
      expression: `IF(requests >= ${minRequests}, 100 * FILL(${errors}, 0) / requests, 0)`,
      usingMetrics: { requests: this.requests(), [errors]: this.emf(this.model.front, metricName, 'Sum', REQUEST_PERIOD) },
      label: metricName === 'ClientErrors' ? '4xx %' : '5xx %',
      period: REQUEST_PERIOD,
    });
  }

  /** The drift job's overall decision, 0 or 1. */
  driftDetected(): Metric {
    return this.emf(SERVICES.drift, 'DriftDetected', 'Maximum', JOB_PERIOD);
  }

  predictionPsi(): Metric {
    return this.emf(SERVICES.drift, 'PredictionPsi', 'Maximum', JOB_PERIOD);
  }

  /** The largest PSI of any feature in a drift run: a Metrics Insights query, so features need not be known at synth. */
  maxFeaturePsi(): MathExpression {
    return new MathExpression({
      expression:
        `SELECT MAX(FeaturePsi) FROM SCHEMA("${this.namespace}", feature, model, service, version) ` +
        `WHERE service = '${SERVICES.drift}' AND model = '${this.model.name}' AND version = '${this.model.version}'`,
      usingMetrics: {},
      label: 'largest feature PSI',
      period: JOB_PERIOD,
    });
  }

  /** One line per feature of a per-feature drift metric ('FeaturePsi' or 'FeatureDrift'), for graphs. */
  perFeature(metricName: 'FeaturePsi' | 'FeatureDrift'): MathExpression {
    const schema = `{"${this.namespace}",feature,model,service,version}`;
    const filter = `MetricName="${metricName}" service="${SERVICES.drift}" model="${this.model.name}" version="${this.model.version}"`;
    return new MathExpression({
      expression: `SEARCH('${schema} ${filter}', 'Maximum', ${JOB_PERIOD.toSeconds()})`,
      usingMetrics: {},
      label: '',
      period: JOB_PERIOD,
    });
  }

  /** A live-quality metric of the label-quality job. */
  quality(metricName: 'LiveAccuracy' | 'LiveAuc' | 'LiveRmse' | 'LiveMae'): Metric {
    // The worst value of the period: lowest accuracy or AUC, highest error.
    const worst = metricName === 'LiveAccuracy' || metricName === 'LiveAuc' ? 'Minimum' : 'Maximum';
    return this.emf(SERVICES.labelQuality, metricName, worst, JOB_PERIOD);
  }

  labeledRows(): Metric {
    return this.emf(SERVICES.labelQuality, 'LabeledRows', 'Sum', JOB_PERIOD);
  }
}
