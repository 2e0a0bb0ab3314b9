import type { Model } from '../core/model.ts';
import type { ModelSet } from '../core/model-set.ts';
import { infer, metadata } from '../core/open-inference.ts';
import type { Prediction } from '../core/predictions.ts';
import { httpError } from '../http/http-error.ts';
import { modelCard } from '../core/model-card.ts';
import { predictBody } from '../http/predict-contract.ts';
import { type RawRequest, readJsonBody } from '../http/json-body.ts';
import { Router } from '../http/router.ts';

export interface RequestContext {
  readonly request: RawRequest;
  readonly models: ModelSet;
  readonly maxBodyBytes: number;
  /** The version that answers a model's predictions (an A/B variant, or the primary). */
  readonly choose: (name: string) => Model | undefined;
  /** Called once the request is known to concern a model, to label logs, metrics and traces. */
  readonly onModel: (model: Model) => void;
  /** Called with the row count of every scored batch. */
  readonly onBatch: (rows: number) => void;
  /** Told of every scored request's rows and predictions, and how long validating and scoring them took, ms (capture, shadow). */
  readonly onScored: (model: Model, instances: readonly unknown[], predictions: readonly Prediction[], scoringMs: number) => void;
}

const find = (name: string, ctx: RequestContext, pick: (name: string) => Model | undefined = (n) => ctx.models.get(n)): Model => {
  const model = pick(name);
  if (!model) throw httpError(404, `unknown model "${name}"`, [{ path: 'name', message: `served models: ${ctx.models.names.join(', ')}` }]);
  ctx.onModel(model);
  return model;
};

/** One served version, asked for by the caller: it bypasses the experiment's split (a debugging and comparison door). */
const findVersion = (name: string, version: string, ctx: RequestContext): Model => {
  if (!ctx.models.get(name)) return find(name, ctx);
  const model = ctx.models.version(name, version);
  if (!model) throw httpError(404, `model "${name}" has no served version "${version}"`, [{ path: 'version', message: `served versions: ${ctx.models.versionsOf(name).join(', ')}` }]);
  ctx.onModel(model);
  return model;
};

const v2Infer = async (model: Model, ctx: RequestContext) => {
  const body = readJsonBody(ctx.request, ctx.maxBodyBytes);
  const started = performance.now();
  const response = await infer(model, body, (rows, predictions) => ctx.onScored(model, rows, predictions, performance.now() - started));
  ctx.onBatch(response.outputs[0]?.shape[0] ?? 0);
  return response;
};

/** The HTTP contract, identical on Lambda behind API Gateway and on the local server. */
export const routes = new Router<RequestContext, Promise<unknown> | unknown>()
  .on('GET', '/health', () => ({ status: 'ok' }))
  .on('GET', '/models', (_, ctx) => ({
    models: ctx.models.list().map((m) => ({ name: m.name, version: m.version, task: m.pkg.task })),
  }))
  .on('GET', '/models/{name}', ({ name }, ctx) => modelCard(find(name!, ctx).pkg))
  .on('POST', '/models/{name}/predict', async ({ name }, ctx) => {
    const model = find(name!, ctx, ctx.choose);
    const instances = predictBody(readJsonBody(ctx.request, ctx.maxBodyBytes));
    const started = performance.now();
    const predictions = await model.predict(instances);
    ctx.onBatch(predictions.length);
    ctx.onScored(model, instances as unknown[], predictions, performance.now() - started);
    return { model: { name: model.name, version: model.version }, predictions };
  })
  .on('GET', '/v2', () => ({ name: 'serverless-inference', version: '2', extensions: [] }))
  .on('GET', '/v2/health/live', () => ({ live: true }))
  .on('GET', '/v2/health/ready', () => ({ ready: true }))
  .on('GET', '/v2/models/{name}', ({ name }, ctx) => metadata(find(name!, ctx), ctx.models.versionsOf(name!)))
  .on('GET', '/v2/models/{name}/ready', ({ name }, ctx) => ({ name: find(name!, ctx).name, ready: true }))
  .on('POST', '/v2/models/{name}/infer', ({ name }, ctx) => v2Infer(find(name!, ctx, ctx.choose), ctx))
  .on('GET', '/v2/models/{name}/versions/{version}', ({ name, version }, ctx) => metadata(findVersion(name!, version!, ctx), ctx.models.versionsOf(name!)))
  .on('GET', '/v2/models/{name}/versions/{version}/ready', ({ name, version }, ctx) => ({ name, version: findVersion(name!, version!, ctx).version, ready: true }))
  .on('POST', '/v2/models/{name}/versions/{version}/infer', ({ name, version }, ctx) => v2Infer(findVersion(name!, version!, ctx), ctx));
