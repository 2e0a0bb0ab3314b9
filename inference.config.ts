import type { InferenceConfig } from './lib/config.ts';

/**
 * The default deployment: the bundled breast-cancer classifier served on Lambda behind an
 * IAM-authenticated API, rolled out as a canary, and batch scoring over a data bucket, started by hand (no schedule, so an
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
  // A new version answers the model.json examples, then takes 10% of requests for 5 minutes, then all;
  // an error or latency alarm rolls it back.
  rollout: {
    strategy: 'canary',
    percent: 10,
    intervalMinutes: 5,
  },
} satisfies InferenceConfig;
