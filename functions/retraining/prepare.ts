import { prepareRun } from '../core/retraining/pipeline.ts';
import { logger } from '../shared/powertools.ts';
import { parse } from '../shared/parse.ts';
import { step } from '../shared/step.ts';
import { Settings, Start } from './events.ts';

/** Step 1: reads the production pointer and names the candidate's version and training job. */
export const handler = step(async (event: unknown) => {
  const { model } = parse(Start, event);
  const { REGISTRY_URI } = parse(Settings, process.env, 'environment');
  const prepared = await prepareRun({ model, registryUri: REGISTRY_URI });
  logger.info('retraining prepared', { model, production: prepared.production?.version ?? null, candidate: prepared.candidateVersion, trainingJob: prepared.trainingJobName });
  return prepared;
});
