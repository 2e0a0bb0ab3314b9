import { registerCandidate } from '../core/retraining/pipeline.ts';
import { logger } from '../shared/powertools.ts';
import { parse } from '../shared/parse.ts';
import { step } from '../shared/step.ts';
import { RegisterEvent, Settings } from './events.ts';

/** Step 5: copies the gated candidate into the registry, immutable, with its checksum and lineage. */
export const handler = step(async (event: unknown) => {
  const { model, prepare, training, evaluation } = parse(RegisterEvent, event);
  const env = parse(Settings, process.env, 'environment');
  const registered = await registerCandidate({
    model,
    version: prepare.candidateVersion,
    candidateUri: evaluation.candidateUri,
    registryUri: env.REGISTRY_URI,
    parentVersion: prepare.production?.version ?? null,
    trainingJob: training.trainingJobName,
    dataUris: [env.TRAIN_URI, env.HOLDOUT_URI].filter((u): u is string => u !== undefined),
  });
  logger.info('candidate registered', registered);
  return registered;
});
