import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** One Logger, Metrics and Tracer per process, shared by every handler (service and namespace come from the environment). */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'inference';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ServerlessInference' });
export const tracer = new Tracer({ serviceName });
