import type { ModelPackage } from '../model-package.ts';
import { accuracy, regressionMetrics, rocAuc } from './metrics.ts';

/** Ground truth that arrived after the fact: the request (and instance) it is about, and the true label or value. */
export interface LabelRecord {
  readonly requestId: string;
  /** Position of the instance in its request. @default 0 */
  readonly index?: number;
  readonly label?: string;
  readonly value?: number;
}

/** What was captured of a prediction, as far as the join needs it. */
export interface CapturedPrediction {
  readonly requestId: string;
  readonly index?: number;
  readonly prediction: unknown;
}

export interface LiveQuality {
  /** Captured predictions that found their label. */
  readonly labeledRows: number;
  /** Metric name → value: LiveAccuracy and (binary) LiveAuc for classifiers; LiveRmse and LiveMae for regressors. */
  readonly metrics: Record<string, number>;
}

const keyOf = (requestId: string, index = 0) => `${requestId}#${index}`;

/**
 * Joins labels to captured predictions by request id and instance index, and computes the model's
 * quality on live traffic with the same metrics as its holdout evaluation. Labels with nothing
 * captured (the request was not sampled) and captures without a label are left out.
 */
export function liveQuality(pkg: ModelPackage, captured: Iterable<CapturedPrediction>, labels: Iterable<LabelRecord>): LiveQuality {
  const truth = new Map<string, LabelRecord>();
  for (const l of labels) truth.set(keyOf(l.requestId, l.index), l);
  const pairs: { prediction: Record<string, unknown>; label: LabelRecord }[] = [];
  for (const c of captured) {
    const label = truth.get(keyOf(c.requestId, c.index));
    if (label && c.prediction && typeof c.prediction === 'object') pairs.push({ prediction: c.prediction as Record<string, unknown>, label });
  }
  if (pairs.length === 0) return { labeledRows: 0, metrics: {} };

  if (pkg.task === 'regression') {
    const known = pairs.filter((p) => typeof p.label.value === 'number' && typeof p.prediction.value === 'number');
    if (known.length === 0) return { labeledRows: 0, metrics: {} };
    const m = regressionMetrics(known.map((p) => p.label.value!), known.map((p) => p.prediction.value as number));
    return { labeledRows: known.length, metrics: { LiveRmse: m.rmse!, LiveMae: m.mae! } };
  }
  const classes = pkg.outputs[0]!.labels ?? [];
  const known = pairs.filter((p) => typeof p.label.label === 'string' && typeof p.prediction.label === 'string');
  if (known.length === 0) return { labeledRows: 0, metrics: {} };
  const index = (label: string) => classes.indexOf(label);
  const metrics: Record<string, number> = {
    LiveAccuracy: accuracy(known.map((p) => index(p.label.label!)), known.map((p) => index(p.prediction.label as string))),
  };
  // AUC needs both classes among the labels and the positive class's probability in the captures.
  const positive = classes[1];
  const scored = known.filter((p) => typeof (p.prediction.probabilities as Record<string, number> | undefined)?.[positive ?? ''] === 'number');
  const outcomes = scored.map((p) => p.label.label === positive);
  if (classes.length === 2 && outcomes.includes(true) && outcomes.includes(false)) {
    metrics.LiveAuc = rocAuc(outcomes, scored.map((p) => (p.prediction.probabilities as Record<string, number>)[positive!]!));
  }
  return { labeledRows: known.length, metrics };
}
