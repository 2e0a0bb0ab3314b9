import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { logger, metrics, tracer } from './powertools.ts';

/** The Powertools wiring every non-HTTP function shares (batch steps, monitoring jobs): request-id logs, EMF metrics, X-Ray. */
export const step = <E, R>(step: (event: E) => Promise<R>) =>
  middy(step)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
