import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { RequestCapture } from '../core/capture/request-capture.ts';
import type { Model } from '../core/model.ts';
import type { ModelSet } from '../core/model-set.ts';
import { coreErrors } from '../http/core-errors.ts';
import { captureFlush } from '../shared/capture.ts';
import { logger, metrics, tracer } from '../shared/powertools.ts';
import type { Experiment } from '../shared/settings.ts';
import { labelModel, recordBatch, reportShadow, requestMetrics } from './observability.ts';
import { Traffic } from './traffic.ts';
import { routes } from './routes.ts';

export interface AppOptions {
  /** Largest accepted request body. */
  readonly maxBodyBytes: number;
  /** Samples requests into S3 for drift detection and label joins. @default no capture */
  readonly capture?: RequestCapture;
  /** A/B splits and shadows, by model name. @default none: every request gets the primary version */
  readonly experiments?: Readonly<Record<string, Experiment>>;
}

const INTERNAL = JSON.stringify({ error: 'internal error', issues: [] });

/** The API Gateway (REST, proxy integration) handler over a set of loaded models. */
export function createHandler(models: ModelSet, { maxBodyBytes, capture, experiments = {} }: AppOptions) {
  const traffic = new Traffic(models, experiments, reportShadow);
  const serve = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const request = { headers: event.headers ?? {}, body: event.body, isBase64Encoded: event.isBase64Encoded };
    const { requestId } = event.requestContext;
    const sampled = capture?.sample();
    let served: Model | undefined;
    const payload = await routes.dispatch(event.httpMethod, event.path, {
      request,
      models,
      maxBodyBytes,
      choose: (name) => traffic.choose(name, request.headers),
      onModel: (model) => {
        served = model;
        labelModel(model);
      },
      onBatch: recordBatch,
      onScored: (model, instances, predictions, primaryLatencyMs) => {
        if (sampled) capture!.add(model, requestId, instances, predictions);
        // A sampled request's shadow outcome is captured too, for the shadow comparison report.
        traffic.shadowOf(model)?.mirror({ primary: model, instances, predictions, primaryLatencyMs }, sampled ? (outcome) => capture!.addShadow(requestId, outcome) : undefined);
      },
    });
    // Every answer of a model names the version that gave it: the variant, in an A/B test.
    const headers = { 'Content-Type': 'application/json', ...(served ? { 'X-Model-Version': served.version } : {}) };
    return { statusCode: 200, headers, body: JSON.stringify(payload) };
  };
  // middy runs onError/after hooks in reverse order: coreErrors maps first, the error handler answers,
  // then requestMetrics sees the final status and logMetrics flushes.
  return middy(serve)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(requestMetrics())
    .use(captureFlush(capture))
    .use(
      httpErrorHandler({
        fallbackMessage: INTERNAL,
        logger: (error: Error) => {
          if (((error as { statusCode?: number }).statusCode ?? 500) >= 500) logger.error('request failed', error);
        },
      }),
    )
    .use(coreErrors());
}
