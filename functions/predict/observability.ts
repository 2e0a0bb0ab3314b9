import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import type { Model } from '../core/model.ts';
import type { ShadowOutcome } from '../core/routing/shadow.ts';
import { emitMetric, logger, metrics, tracer } from '../shared/powertools.ts';

const ERROR_KINDS: Record<number, string> = {
  400: 'InvalidInput',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
};

/** Labels the rest of the request's logs, metrics and trace with the model it concerns. */
export function labelModel(model: Model): void {
  logger.appendKeys({ model: model.name, modelVersion: model.version });
  metrics.addDimensions({ model: model.name, version: model.version });
  tracer.putAnnotation('model', model.name);
  tracer.putAnnotation('modelVersion', model.version);
}

export function recordBatch(rows: number): void {
  metrics.addMetric('BatchSize', MetricUnit.Count, rows);
}

/** Latency of every request, and errors counted by kind, as EMF metrics. */
export const requestMetrics = (): middy.MiddlewareObj => {
  let started = 0;
  const record = (request: middy.Request) => {
    metrics.addMetric('Latency', MetricUnit.Milliseconds, performance.now() - started);
    const status = (request.response as { statusCode?: number } | undefined)?.statusCode ?? 500;
    if (status < 400) return;
    const kind = ERROR_KINDS[status] ?? (status >= 500 ? 'Internal' : `Http${status}`);
    metrics.addMetric(status >= 500 ? 'ServerErrors' : 'ClientErrors', MetricUnit.Count, 1);
    emitMetric({ kind }, 'Errors', MetricUnit.Count, 1);
  };
  return {
    before: () => {
      started = performance.now();
    },
    after: record,
    onError: record,
  };
};

/** Shadow results as their own EMF lines (they land after the request's own metrics were flushed). */
export function reportShadow({ primary, candidate, comparison, latencyMs, error }: ShadowOutcome): void {
  const dimensions = { model: primary.name, version: primary.version, candidate: candidate.version };
  if (error) {
    logger.warn('shadow scoring failed', { ...dimensions, error });
    emitMetric(dimensions, 'ShadowErrors', MetricUnit.Count, 1);
    return;
  }
  emitMetric(dimensions, 'ShadowLatency', MetricUnit.Milliseconds, latencyMs);
  emitMetric(dimensions, 'ShadowMeanAbsDiff', MetricUnit.NoUnit, comparison!.meanAbsDiff);
  if (comparison!.agreement !== undefined) emitMetric(dimensions, 'ShadowAgreement', MetricUnit.Percent, comparison!.agreement * 100);
}
