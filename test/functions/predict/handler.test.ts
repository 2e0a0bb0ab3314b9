import type { APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { lambdaContext, proxyEvent } from '../../support/events.ts';
import { MODELS, readPackage } from '../../support/models.ts';

// The Lambda entry reads its environment at import, as during a Lambda init.
vi.hoisted(() => {
  process.env.MODELS = JSON.stringify([new URL('../../../models/breast-cancer/1.0.0', import.meta.url).pathname]);
  process.env.MAX_BATCH = '2';
});

const { handler } = await import('../../../functions/predict/handler.ts');

describe('Lambda entry (functions/predict/handler.ts)', () => {
  const { examples } = readPackage(MODELS.breastCancer);

  it('loads the models named by MODELS during init and answers the golden example', async () => {
    const res = (await handler(proxyEvent('POST', '/models/breast-cancer/predict', { body: { instances: [examples[0]!.instance] } }), lambdaContext())) as APIGatewayProxyResult;
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).predictions).toEqual([examples[0]!.prediction]);
  });

  it('applies MAX_BATCH from the environment', async () => {
    const res = (await handler(proxyEvent('POST', '/models/breast-cancer/predict', { body: { instances: examples.map((e) => e.instance) } }), lambdaContext())) as APIGatewayProxyResult;
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).issues).toEqual([{ path: 'instances', message: `batch of ${examples.length} instances exceeds the maximum of 2` }]);
  });
});
