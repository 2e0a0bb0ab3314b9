import { Logger } from '@aws-lambda-powertools/logger';
import { type MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** One Logger, Metrics and Tracer per process, shared by every handler (service and namespace come from the environment). */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'inference';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ServerlessInference' });
export const tracer = new Tracer({ serviceName });

/**
 * One metric published at once with its own dimensions (an error kind, a feature, a shadow candidate),
 * apart from the invocation's buffered metrics. A single-metric instance clears its dimensions when
 * it publishes, so each metric gets a fresh one.
 */
export function emitMetric(dimensions: Record<string, string>, name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void {
  const one = metrics.singleMetric();
  one.addDimensions(dimensions);
  one.addMetric(name, unit, value);
}
