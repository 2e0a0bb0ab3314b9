import type { InferenceConfig } from './lib/config.ts';

/**
 * The default deployment: the bundled breast-cancer classifier served on Lambda behind an
 * IAM-authenticated API, and batch scoring over a data bucket, started by hand (no schedule, so an
 * idle deploy costs nothing but storage).
 */
export default {
  stackName: 'ServerlessInference',
  models: [{ name: 'breast-cancer', source: 'models/breast-cancer/1.0.0' }],
  predict: {
    memorySize: 1024,
    architecture: 'arm64',
  },
  api: {
    auth: 'iam',
  },
  batch: {
    bucket: { encryption: 's3-managed' },
  },
} satisfies InferenceConfig;
