/**
 * The `retraining` section of `inference.config.ts`: the state machine that trains a candidate on
 * SageMaker, evaluates it against production, gates, registers and deploys it (lib/retraining-pipeline.ts).
 * Plain data with no CDK types, like lib/config.ts, which only holds the field and calls the check.
 */
import { checkInteger, checkRetention } from './config-checks.ts';
import { gathering, type Problems } from './problems.ts';

/** SageMaker's training data channels: each an `s3://bucket/prefix` of CSV files with the target column. */
export interface RetrainingDataConfig {
  /** Training rows, mounted at `/opt/ml/input/data/train`. */
  readonly train: string;
  /** Holdout rows, mounted at `/opt/ml/input/data/holdout`; the evaluate step scores candidate and production on them. */
  readonly holdout: string;
}

/** Whether a candidate may replace production. */
export interface RetrainingGateConfig {
  /**
   * The holdout metric compared (a key of `model.json` `metrics.holdout`, as the evaluate step
   * computes it: `rocAuc`, `accuracy`, `logLoss`, `f1`, `macroF1`, `rmse`, `mae`, `r2`...).
   * @default 'rocAuc'
   */
  readonly metric?: string;
  /**
   * Least improvement of the candidate over production on the holdout set, in the metric's units
   * (0 accepts a tie). For metrics where lower is better (`logLoss`, `rmse`, `mae`) the improvement is
   * production minus candidate. @default 0
   */
  readonly minImprovement?: number;
  /** Whether lower values of `metric` are better. @default - true for logLoss, rmse and mae, false otherwise */
  readonly lowerIsBetter?: boolean;
  /**
   * Wait for a person to approve before registering: the state machine waits on a task token that
   * the approval request (written under the registry's `<model>/approvals/`) carries; answer with
   * `aws stepfunctions send-task-success|send-task-failure --task-token ...`. @default false
   */
  readonly manualApproval?: boolean;
  /** Hours an approval may wait before the run fails. @default 72 */
  readonly approvalTimeoutHours?: number;
}

/**
 * A SageMaker-served model: the deploy step creates a SageMaker model from the candidate's
 * `model.tar.gz`, a new endpoint config, and updates the endpoint with blue/green guardrails; the
 * production pointer moves only once the endpoint is InService on the new config.
 */
export interface RetrainingEndpointConfig {
  /** The endpoint serving the model (created by the stack or by you). */
  readonly endpointName: string;
  /** Inference container image URI (ECR) that serves the model.tar.gz. */
  readonly image: string;
  /** Instance type of the new production variant. @default 'ml.g5.xlarge' */
  readonly instanceType?: string;
  /** Instances of the new production variant. @default 1 */
  readonly instanceCount?: number;
  /** Percent of capacity of the canary step. @default 10 */
  readonly canaryPercent?: number;
  /** Minutes the canary runs before the rest of the traffic moves (at most 60). @default 5 */
  readonly canaryMinutes?: number;
  /** CloudWatch alarm names that roll the update back (at most 10). @default - none: only a failed update rolls back */
  readonly alarmNames?: readonly string[];
}

/** Retraining of one served model. */
export interface RetrainingPipelineConfig {
  /** The model retrained: a name in `models`. Drift-triggered runs for other models fail as invalid. */
  readonly model: string;
  /** Training container image URI (ECR), which follows the training contract of models/training/README.md. */
  readonly trainingImage: string;
  /** Training instance type. @default 'ml.g4dn.xlarge' (one NVIDIA T4 GPU) */
  readonly instanceType?: string;
  /** Training instances. @default 1 */
  readonly instanceCount?: number;
  /** EBS volume per instance, in GB. @default 30 */
  readonly volumeSizeGb?: number;
  /** Managed spot training (needs `checkpointS3Uri`, so an interrupted job resumes). @default true */
  readonly spot?: boolean;
  /** Where `/opt/ml/checkpoints` is synced: an `s3://bucket/prefix`. Required with spot. */
  readonly checkpointS3Uri?: string;
  /** Longest training time, in seconds (SageMaker stops the job after it). @default 14400 (4 hours) */
  readonly maxRuntimeSeconds?: number;
  /** Longest time including waiting for spot capacity, in seconds; at least `maxRuntimeSeconds`. Spot only. @default twice maxRuntimeSeconds */
  readonly maxWaitSeconds?: number;
  /** Hyperparameters passed to the training script (strings); `model-name` and `model-version` are set by the run. @default - none */
  readonly hyperparameters?: Readonly<Record<string, string>>;
  /** The data channels. */
  readonly data: RetrainingDataConfig;
  /** Where SageMaker writes `<job>/output/model.tar.gz`, and where candidates are unpacked: an `s3://bucket/prefix`. */
  readonly outputS3Uri: string;
  /**
   * The model registry root (`s3://bucket/prefix`): versions under `<model>/versions/<version>/`,
   * the production pointer at `<model>/production.json` (the layout of functions/core/registry).
   */
  readonly registryS3Uri: string;
  /** Deploy to a SageMaker endpoint. @default - Lambda-served: the deploy step moves the production pointer */
  readonly endpoint?: RetrainingEndpointConfig;
  /** The gate between evaluation and registration. @default - rocAuc, no worse than production, no approval */
  readonly gate?: RetrainingGateConfig;
  /** Days the pipeline's logs are kept. @default 30 */
  readonly logRetentionDays?: number;
}

export const RETRAINING_DEFAULTS = {
  instanceType: 'ml.g4dn.xlarge',
  instanceCount: 1,
  volumeSizeGb: 30,
  maxRuntimeSeconds: 4 * 3600,
  metric: 'rocAuc',
  minImprovement: 0,
  approvalTimeoutHours: 72,
  endpointInstanceType: 'ml.g5.xlarge',
  canaryPercent: 10,
  canaryMinutes: 5,
} as const;

/** Metrics where lower is better, unless `gate.lowerIsBetter` says otherwise. */
export const LOWER_IS_BETTER = ['logLoss', 'rmse', 'mae'];

// SageMaker's own limits: 28 days of runtime; spot's MaxWaitTimeInSeconds up to 28 days too (combined with runtime).
const MAX_SECONDS = 28 * 24 * 3600;
const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/([^*?]*))?$/;
const IMAGE = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/[a-z0-9._/-]+(?::[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})?$/;
const INSTANCE = /^ml\.[a-z0-9]+\.[0-9]*x?large$|^ml\.[a-z0-9]+\.(?:medium|large)$/;

function s3Uri(path: string, value: unknown): void {
  if (typeof value !== 'string' || !S3_URI.test(value)) throw new Error(`${path} must be an s3://bucket/prefix URI, got ${JSON.stringify(value)}`);
}

/** Splits `s3://bucket/prefix` into bucket and prefix (no leading or trailing '/'). */
export function splitS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = S3_URI.exec(uri);
  if (!m) throw new Error(`not an s3://bucket/prefix URI: ${uri}`);
  return { bucket: m[1]!, prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

/** Validates `retraining`, naming every offending prop: into `problems`, or thrown when none is given. */
export function checkRetrainingConfig(retraining: RetrainingPipelineConfig, modelNames: readonly string[], path = 'retraining', problems?: Problems): void {
  gathering(problems, (p) => {
    p.must(modelNames.includes(retraining.model), `${path}.model must name a model in models (${modelNames.join(', ')}), got ${JSON.stringify(retraining.model)}`);
    p.must(
      typeof retraining.trainingImage === 'string' && IMAGE.test(retraining.trainingImage),
      `${path}.trainingImage must be an ECR image URI (123456789012.dkr.ecr.region.amazonaws.com/repo:tag), got ${JSON.stringify(retraining.trainingImage)}`,
    );
    p.must(
      retraining.instanceType === undefined || INSTANCE.test(retraining.instanceType),
      `${path}.instanceType must be a SageMaker instance type such as 'ml.g4dn.xlarge', got ${JSON.stringify(retraining.instanceType)}`,
    );
    p.check(() => checkInteger(`${path}.instanceCount`, retraining.instanceCount, [1, 100]));
    p.check(() => checkInteger(`${path}.volumeSizeGb`, retraining.volumeSizeGb, [1, 16384]));
    const runtimeOk = p.check(() => checkInteger(`${path}.maxRuntimeSeconds`, retraining.maxRuntimeSeconds, [1, MAX_SECONDS]));
    const spot = retraining.spot ?? true;
    if (spot) {
      p.must(retraining.checkpointS3Uri !== undefined, `${path}.checkpointS3Uri is required with managed spot training (set it, or spot: false)`);
      const waitOk = p.check(() => checkInteger(`${path}.maxWaitSeconds`, retraining.maxWaitSeconds, [1, MAX_SECONDS]));
      const runtime = retraining.maxRuntimeSeconds ?? RETRAINING_DEFAULTS.maxRuntimeSeconds;
      p.must(
        !runtimeOk || !waitOk || retraining.maxWaitSeconds === undefined || retraining.maxWaitSeconds >= runtime,
        `${path}.maxWaitSeconds must be at least maxRuntimeSeconds (${runtime}), got ${retraining.maxWaitSeconds}`,
      );
    } else {
      p.must(retraining.maxWaitSeconds === undefined, `${path}.maxWaitSeconds applies only to managed spot training (spot: true)`);
    }
    if (retraining.checkpointS3Uri !== undefined) p.check(() => s3Uri(`${path}.checkpointS3Uri`, retraining.checkpointS3Uri));
    for (const [key, value] of Object.entries(retraining.hyperparameters ?? {})) {
      p.must(typeof value === 'string', `${path}.hyperparameters.${key} must be a string, got ${JSON.stringify(value)}`);
      p.must(key !== 'model-name' && key !== 'model-version', `${path}.hyperparameters.${key} is set by the run; remove it`);
    }
    if (p.must(typeof retraining.data === 'object' && retraining.data !== null, `${path}.data must give the train and holdout channels`)) {
      p.check(() => s3Uri(`${path}.data.train`, retraining.data.train));
      p.check(() => s3Uri(`${path}.data.holdout`, retraining.data.holdout));
    }
    p.check(() => s3Uri(`${path}.outputS3Uri`, retraining.outputS3Uri));
    p.check(() => s3Uri(`${path}.registryS3Uri`, retraining.registryS3Uri));
    const gate = retraining.gate ?? {};
    p.must(gate.metric === undefined || /^[A-Za-z][A-Za-z0-9]*$/.test(gate.metric), `${path}.gate.metric must be a metric name such as 'rocAuc', got ${JSON.stringify(gate.metric)}`);
    p.must(gate.minImprovement === undefined || Number.isFinite(gate.minImprovement), `${path}.gate.minImprovement must be a finite number, got ${gate.minImprovement}`);
    for (const key of ['lowerIsBetter', 'manualApproval'] as const) {
      p.must(gate[key] === undefined || typeof gate[key] === 'boolean', `${path}.gate.${key} must be true or false, got ${JSON.stringify(gate[key])}`);
    }
    p.check(() => checkInteger(`${path}.gate.approvalTimeoutHours`, gate.approvalTimeoutHours, [1, 24 * 365]));
    p.must(gate.approvalTimeoutHours === undefined || Boolean(gate.manualApproval), `${path}.gate.approvalTimeoutHours applies only with manualApproval: true`);
    if (retraining.endpoint !== undefined) {
      const e = retraining.endpoint;
      p.must(
        typeof e.endpointName === 'string' && /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(e.endpointName),
        `${path}.endpoint.endpointName must be a SageMaker endpoint name (letters, digits and dashes, at most 63), got ${JSON.stringify(e.endpointName)}`,
      );
      p.must(typeof e.image === 'string' && IMAGE.test(e.image), `${path}.endpoint.image must be an ECR image URI, got ${JSON.stringify(e.image)}`);
      p.must(e.instanceType === undefined || INSTANCE.test(e.instanceType), `${path}.endpoint.instanceType must be a SageMaker instance type such as 'ml.g5.xlarge', got ${JSON.stringify(e.instanceType)}`);
      p.check(() => checkInteger(`${path}.endpoint.instanceCount`, e.instanceCount, [1, 100]));
      p.check(() => checkInteger(`${path}.endpoint.canaryPercent`, e.canaryPercent, [1, 99]));
      p.check(() => checkInteger(`${path}.endpoint.canaryMinutes`, e.canaryMinutes, [1, 60]));
      p.must(
        e.alarmNames === undefined || (Array.isArray(e.alarmNames) && e.alarmNames.length <= 10 && e.alarmNames.every((a) => typeof a === 'string' && a !== '')),
        `${path}.endpoint.alarmNames must list at most 10 alarm names, got ${JSON.stringify(e.alarmNames)}`,
      );
    }
    p.check(() => checkRetention(`${path}.logRetentionDays`, retraining.logRetentionDays));
  });
}
