import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { restorePointer } from '../core/retraining/pipeline.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { parse } from '../shared/parse.ts';
import { step } from '../shared/step.ts';
import { RollbackEvent, Settings } from './events.ts';

/** After a failed deploy: restores the production pointer read when the run started. */
export const handler = step(async (event: unknown) => {
  const { model, prepare } = parse(RollbackEvent, event);
  const env = parse(Settings, process.env, 'environment');
  const result = await restorePointer({ registryUri: env.REGISTRY_URI, model, candidateVersion: prepare.candidateVersion, before: prepare.production });
  logger.warn('deploy failed: rollback', { model, candidate: prepare.candidateVersion, restored: result.restored, reason: result.reason });
  metrics.addMetric('RetrainingRolledBack', MetricUnit.Count, 1);
  return result;
});
