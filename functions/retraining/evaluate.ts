import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { evaluateCandidate } from '../core/retraining/evaluate.ts';
import { joinKey } from '../core/storage/location.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { parse } from '../shared/parse.ts';
import { step } from '../shared/step.ts';
import { EvaluateEvent, Settings } from './events.ts';

/**
 * Step 3: unpacks the training job's model.tar.gz next to it (`<output>/<job>/candidate/`), then scores
 * the candidate and the production version on the holdout CSV with onnxruntime-node.
 */
export const handler = step(async (event: unknown) => {
  const { model, prepare, training } = parse(EvaluateEvent, event);
  const env = parse(Settings, process.env, 'environment');
  if (!env.OUTPUT_URI || !env.HOLDOUT_URI) throw new Error('invalid environment: OUTPUT_URI and HOLDOUT_URI are required');
  const evaluation = await evaluateCandidate({
    model,
    candidateVersion: prepare.candidateVersion,
    modelArtifacts: training.modelArtifacts,
    candidateUri: joinKey(env.OUTPUT_URI, `${training.trainingJobName}/candidate`),
    productionUri: prepare.productionUri,
    holdoutUri: env.HOLDOUT_URI,
    metric: env.GATE_METRIC,
    lowerIsBetter: env.LOWER_IS_BETTER === 'true',
    cacheDir: env.MODEL_CACHE_DIR,
  });
  logger.info('candidate evaluated', { model, candidate: prepare.candidateVersion, metric: evaluation.metric, improvement: evaluation.improvement, firstVersion: evaluation.firstVersion });
  if (evaluation.improvement !== null) metrics.addMetric('RetrainingImprovement', MetricUnit.NoUnit, evaluation.improvement);
  return evaluation;
});
