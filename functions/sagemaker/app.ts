import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import createError from 'http-errors';
import type { RequestCapture } from '../core/capture/request-capture.ts';
import { EndpointError, PRIMARY_VARIANT } from '../core/sagemaker/endpoint.ts';
import { friendlyPrediction } from '../core/sagemaker/friendly.ts';
import type { EndpointModel } from '../core/sagemaker/served.ts';
import { coreErrors } from '../http/core-errors.ts';
import { predictBody } from '../http/predict-contract.ts';
import { httpError } from '../http/http-error.ts';
import { type RawRequest, readJsonBody } from '../http/json-body.ts';
import { Router } from '../http/router.ts';
import { captureFlush } from '../shared/capture.ts';
import { emitMetric, logger, metrics, tracer } from '../shared/powertools.ts';

export interface InvokeAppOptions {
  /** Largest accepted request body. */
  readonly maxBodyBytes: number;
  /** Samples requests into S3 for drift detection and label joins, as the predict function does. @default no capture */
  readonly capture?: RequestCapture;
}

interface Ctx {
  readonly request: RawRequest;
  readonly models: ReadonlyMap<string, EndpointModel>;
  readonly maxBodyBytes: number;
  readonly served: { model?: EndpointModel; variant?: string };
  /** Told of every scored request's rows (in feature order), the container's predictions and the variant that answered. */
  readonly onScored: (model: EndpointModel, rows: readonly unknown[][], predictions: readonly unknown[], variant: string | undefined) => void;
}

const INTERNAL = JSON.stringify({ error: 'internal error', issues: [] });

const header = (headers: Record<string, string | undefined>, name: string): string | undefined => {
  for (const key in headers) if (key.toLowerCase() === name) return headers[key];
  return undefined;
};

const find = (name: string, ctx: Ctx): EndpointModel => {
  const model = ctx.models.get(name);
  if (!model) throw httpError(404, `unknown model "${name}"`, [{ path: 'name', message: `served by SageMaker: ${[...ctx.models.keys()].join(', ')}` }]);
  ctx.served.model = model;
  logger.appendKeys({ model: model.name, modelVersion: model.version });
  metrics.addDimensions({ model: model.name, version: model.version });
  tracer.putAnnotation('model', model.name);
  tracer.putAnnotation('modelVersion', model.version);
  return model;
};


/** A production variant a caller pins with `X-Model-Variant` (A/B checks), else SageMaker's weighted pick. */
const variantOf = (ctx: Ctx) => header(ctx.request.headers, 'x-model-variant');

/** The same HTTP contract as the predict function, for the models SageMaker serves. */
const routes = new Router<Ctx, Promise<unknown> | unknown>()
  .on('GET', '/models/{name}', ({ name }, ctx) => find(name!, ctx).card())
  .on('POST', '/models/{name}/predict', async ({ name }, ctx) => {
    const model = find(name!, ctx);
    const instances = predictBody(readJsonBody(ctx.request, ctx.maxBodyBytes));
    const { rows, predictions, variant } = await model.predict(instances, variantOf(ctx));
    ctx.served.variant = variant;
    ctx.onScored(model, rows, predictions, variant);
    metrics.addMetric('BatchSize', MetricUnit.Count, predictions.length);
    return { model: { name: model.name, version: model.version, ...(variant && { variant }) }, predictions };
  })
  .on('GET', '/v2/models/{name}', ({ name }, ctx) => find(name!, ctx).metadata())
  .on('GET', '/v2/models/{name}/ready', ({ name }, ctx) => ({ name: find(name!, ctx).name, ready: true }))
  .on('POST', '/v2/models/{name}/infer', async ({ name }, ctx) => {
    const model = find(name!, ctx);
    const { rows, predictions, variant, response } = await model.infer(readJsonBody(ctx.request, ctx.maxBodyBytes), variantOf(ctx));
    ctx.served.variant = variant;
    ctx.onScored(model, rows, predictions, variant);
    metrics.addMetric('BatchSize', MetricUnit.Count, rows.length);
    return response;
  });

const ERROR_KINDS: Record<number, string> = { 400: 'InvalidInput', 404: 'NotFound', 405: 'MethodNotAllowed', 413: 'PayloadTooLarge', 415: 'UnsupportedMediaType' };

/** Latency of every request and errors by kind, as the predict function records them (plus endpoint kinds). */
const requestMetrics = (): middy.MiddlewareObj => {
  let started = 0;
  const record = (request: middy.Request) => {
    const kind = (request.error as { kind?: string } | null | undefined)?.kind;
    metrics.addMetric('Latency', MetricUnit.Milliseconds, performance.now() - started);
    const status = (request.response as { statusCode?: number } | undefined)?.statusCode ?? 500;
    if (status < 400) return;
    metrics.addMetric(status >= 500 ? 'ServerErrors' : 'ClientErrors', MetricUnit.Count, 1);
    emitMetric({ kind: kind ?? ERROR_KINDS[status] ?? (status >= 500 ? 'Internal' : `Http${status}`) }, 'Errors', MetricUnit.Count, 1);
  };
  return {
    before: () => {
      started = performance.now();
    },
    after: record,
    onError: record,
  };
};

/** Turns an EndpointError into its exposed 502/503/504 JSON answer (Retry-After on 503). */
const endpointErrors = (): middy.MiddlewareObj => ({
  onError: (request) => {
    const error = request.error;
    if (!(error instanceof EndpointError)) return;
    logger.warn('endpoint call failed', { kind: error.kind, error: error.message });
    const headers = error.retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(error.retryAfterSeconds) };
    // `kind` rides along for the error metric, which runs after the error handler answered.
    request.error = createError(error.status, JSON.stringify({ error: error.message, issues: error.issues }), { expose: true, kind: error.kind, ...(headers && { headers }) });
  },
});

/** The API Gateway handler of the SageMaker-served models. */
export function createInvokeHandler(models: readonly EndpointModel[], { maxBodyBytes, capture }: InvokeAppOptions) {
  const byName = new Map(models.map((m) => [m.name, m]));
  const serve = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const request = { headers: event.headers ?? {}, body: event.body, isBase64Encoded: event.isBase64Encoded };
    const { requestId } = event.requestContext;
    const sampled = capture?.sample();
    const served: Ctx['served'] = {};
    const onScored: Ctx['onScored'] = (model, rows, predictions, variant) => {
      // A challenger variant is another model under the same version: its answers would blur that version's drift and live quality.
      if (!sampled || (variant !== undefined && variant !== PRIMARY_VARIANT)) return;
      capture!.add(model, requestId, rows, predictions.map((p) => friendlyPrediction(model.pkg, p)));
    };
    const payload = await routes.dispatch(event.httpMethod, event.path, { request, models: byName, maxBodyBytes, served, onScored });
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (served.model) headers['X-Model-Version'] = served.model.version;
    if (served.variant) headers['X-Model-Variant'] = served.variant;
    return { statusCode: 200, headers, body: JSON.stringify(payload) };
  };
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
    .use(coreErrors())
    .use(endpointErrors());
}
