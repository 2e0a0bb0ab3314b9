import type { APIGatewayProxyResult } from 'aws-lambda';
import { ModelSet } from '../../functions/core/model-set.ts';
import { createHandler } from '../../functions/predict/app.ts';
import { lambdaContext, proxyEvent } from './events.ts';
import { MODELS, model } from './models.ts';

/** The predict handler over the default model and the fixture models, as the stack would build it. */
export async function testHandler(maxBodyBytes = 64 * 1024) {
  const models = new ModelSet(await Promise.all([MODELS.breastCancer, MODELS.wineMlp, MODELS.diabetesCategorical].map(model)));
  const handler = createHandler(models, { maxBodyBytes });
  return async (...args: Parameters<typeof proxyEvent>) => {
    const res = (await handler(proxyEvent(...args), lambdaContext())) as APIGatewayProxyResult;
    return { ...res, json: JSON.parse(res.body) as Record<string, unknown> };
  };
}
