import type { InferenceConfig } from '../lib/config.ts';

/**
 * Every capability built so far, each setting away from its default: `cdk synth -c config=examples/complete.config.ts`.
 * It grows with each capability.
 */
export default {
  stackName: 'InferenceComplete',
  env: { region: 'eu-west-1' },
  models: [
    {
      name: 'breast-cancer',
      source: 'models/breast-cancer/1.0.0',
      // 1.1.0 answers 10% of callers (sticky by account) and shadows the rest.
      experiment: { variants: [{ source: 'models/breast-cancer/1.1.0', percent: 10 }], stickyHeader: 'x-account-id', shadow: 'models/breast-cancer/1.1.0' },
    },
    { name: 'churn', source: 's3://acme-models/churn/2.1.0' },
    {
      // A heavy model on a SageMaker GPU endpoint, behind the same API and schema checks.
      name: 'tumor-ensemble',
      source: 'examples/models/tumor-ensemble/1.0.0',
      serving: {
        kind: 'sagemaker',
        image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/tumor-ensemble:1.0.0',
        modelData: 's3://acme-models/tumor-ensemble/1.0.0/model.tar.gz',
        modelJson: 'examples/models/tumor-ensemble/1.0.0/model.json',
        instanceType: 'ml.g5.xlarge',
        minInstances: 1,
        maxInstances: 4,
        targetInvocationsPerInstance: 200,
        dataCaptureSamplePercent: 20,
        variants: [{ name: 'challenger', modelData: 's3://acme-models/tumor-ensemble/1.1.0/model.tar.gz', weight: 0.1 }],
        timeoutSeconds: 20,
        overheadLatencyP99Ms: 50,
      },
    },
  ],
  metricsNamespace: 'Acme/Inference',
  predict: {
    memorySize: 2048,
    architecture: 'arm64',
    reservedConcurrency: 50,
    timeoutSeconds: 15,
    intraOpNumThreads: 2,
    maxBatch: 500,
    maxBodyBytes: 2 * 1024 * 1024,
    logRetentionDays: 90,
    logLevel: 'WARN',
  },
  api: {
    auth: 'apiKey',
    throttling: { rateLimit: 500, burstLimit: 1000 },
    quota: { limit: 10_000_000, period: 'MONTH' },
    accessLogRetentionDays: 365,
    cloudWatchRole: true,
  },
  batch: {
    bucket: { encryption: 'kms', versioned: true, accessLogsExpirationDays: 365, inputPrefix: 'incoming/', outputPrefix: 'scored/' },
    worker: {
      memorySize: 4096,
      architecture: 'arm64',
      timeoutSeconds: 600,
      maxConcurrency: 100,
      chunksPerInvocation: 2,
      intraOpNumThreads: 2,
      maxBatch: 4096,
      retry: { maxAttempts: 3, backoffRate: 2, intervalSeconds: 30 },
    },
    chunkBytes: 128 * 1024 * 1024,
    toleratedFailurePercentage: 1,
    logRetentionDays: 90,
    schedules: [
      {
        name: 'nightly-breast-cancer',
        cron: 'cron(0 3 * * ? *)',
        timezone: 'Europe/Paris',
        model: 'breast-cancer',
        input: 'incoming/screenings/',
        output: 'scored/screenings/',
        format: 'parquet',
        idColumn: 'patient_id',
        chunkBytes: 32 * 1024 * 1024,
        toleratedFailurePercentage: 0,
        engine: 'lambda',
      },
      { name: 'weekly-churn', cron: 'rate(7 days)', model: 'churn', input: 'incoming/customers.csv', output: 'scored/churn/', format: 'jsonl' },
      {
        // The SageMaker-served model scores its batches on Batch Transform: headerless CSV lines in, each joined with its prediction out.
        name: 'nightly-tumor-scans',
        cron: 'cron(30 2 * * ? *)',
        timezone: 'Europe/Paris',
        model: 'tumor-ensemble',
        input: 'incoming/scans/',
        output: 'scored/scans/',
        format: 'csv',
        engine: 'sagemaker-batch-transform',
        transform: { instanceType: 'ml.g5.2xlarge', instanceCount: 2, maxPayloadMb: 10, maxConcurrentTransforms: 4, batchStrategy: 'MultiRecord', contentType: 'text/csv', maxRuntimeSeconds: 14_400 },
      },
    ],
  },
  monitoring: {
    enabled: true,
    bucket: { encryption: 'kms', captureExpirationDays: 30, reportExpirationDays: 730, accessLogsExpirationDays: 365 },
    capture: {
      enabled: true,
      sampleRate: 0.25,
      // Per model: churn captures only these; breast-cancer, not named, captures every feature.
      features: { churn: ['tenure_months', 'monthly_charges', 'contract'] },
    },
    drift: { enabled: true, schedule: 'cron(0 */6 * * ? *)', timezone: 'Europe/Paris', windowHours: 48 },
    labelQuality: { enabled: true, schedule: 'rate(1 day)', windowHours: 336 },
    alarms: {
      latencyP50Ms: 50,
      latencyP99Ms: 500,
      clientErrorRatePercent: 5,
      serverErrorRatePercent: 0.5,
      minRequests: 50,
      featurePsi: 0.2,
      qualityDrop: 0.03,
      errorIncreasePercent: 20,
      minLabeledRows: 200,
      throttles: 5,
      concurrencyPercent: 90,
      initDurationMs: 2000,
      batchRunFailures: 1,
      models: {
        churn: { latencyP99Ms: 800, minAccuracy: 0.8, minAuc: 0.85 },
      },
    },
    notifications: { emails: ['ml-oncall@example.com'] },
    // No stateMachineArn: breast-cancer's drift alarm starts the pipeline built from `retraining` below.
    retraining: { enabled: true, cooldownHours: 72 },
    logRetentionDays: 90,
  },
  rollout: {
    enabled: true,
    // 20% more of the traffic every 3 minutes (a custom CodeDeploy config: no predefined one matches).
    strategy: 'linear',
    percent: 20,
    intervalMinutes: 3,
    alarms: { errors: true, latencyP99: true, quality: true },
    autoRollback: true,
    preTrafficHook: true,
  },
  retraining: {
    model: 'breast-cancer',
    // The example training script (models/training/train.ts) in an image that follows models/training/README.md.
    trainingImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/breast-cancer-training:1.0.0',
    instanceType: 'ml.g4dn.2xlarge',
    instanceCount: 1,
    volumeSizeGb: 50,
    spot: true,
    checkpointS3Uri: 's3://acme-ml/checkpoints/breast-cancer',
    maxRuntimeSeconds: 2 * 3600,
    maxWaitSeconds: 6 * 3600,
    hyperparameters: { target: 'diagnosis', classes: 'benign,malignant', lambda: '0.5' },
    data: { train: 's3://acme-ml/breast-cancer/train/', holdout: 's3://acme-ml/breast-cancer/holdout/' },
    outputS3Uri: 's3://acme-ml/training-output/breast-cancer',
    // The deploy target: breast-cancer is Lambda-served, so a passed candidate becomes production in this
    // registry (no `endpoint`, which redeploys SageMaker-served models).
    registryS3Uri: 's3://acme-models/registry',
    gate: { metric: 'logLoss', minImprovement: 0.002, lowerIsBetter: true, manualApproval: true, approvalTimeoutHours: 48 },
    logRetentionDays: 90,
  },
} satisfies InferenceConfig;
