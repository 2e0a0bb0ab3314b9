import type { RetrainingPipelineConfig } from '../../../lib/retraining-config.ts';

/** A complete retraining config for the construct and state machine tests. */
export const RETRAINING: RetrainingPipelineConfig = {
  model: 'breast-cancer',
  trainingImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/breast-cancer-training:1',
  checkpointS3Uri: 's3://ml-data/checkpoints/breast-cancer',
  maxRuntimeSeconds: 3600,
  maxWaitSeconds: 7200,
  hyperparameters: { lambda: '1', target: 'diagnosis', classes: 'benign,malignant' },
  data: { train: 's3://ml-data/breast-cancer/train/', holdout: 's3://ml-data/breast-cancer/holdout/' },
  outputS3Uri: 's3://ml-data/training-output',
  registryS3Uri: 's3://ml-registry/models',
};
