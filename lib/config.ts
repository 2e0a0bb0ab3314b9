/**
 * The typed config an infra engineer writes in `inference.config.ts`. Plain data with no CDK types,
 * so the CLI and the local server can read the same file without loading aws-cdk-lib.
 */
import { type BatchTransformConfig, checkTransformSchedule } from './batch-transform-config.ts';
import { checkInteger, checkRetention } from './config-checks.ts';
import { checkRetrainingConfig, type RetrainingPipelineConfig } from './retraining-config.ts';
import { checkServing, type ServingConfig } from './sagemaker-config.ts';
import { gathering, Problems } from './problems.ts';

// The other constructs take it from here, with the rest of the config's checks.
export { checkInteger, checkRetention };

export type { SageMakerServing, ServingConfig } from './sagemaker-config.ts';
export type { BatchTransformConfig } from './batch-transform-config.ts';

/** One served model. */
export interface ModelConfig {
  /** Name the API serves the model under (`/v2/models/{name}`): lowercase letters, digits and dashes. */
  readonly name: string;
  /**
   * Where the model package (`model.onnx` + `model.json`) lives: a repo-relative folder
   * `models/<name>/<version>` bundled into the function asset, or an `s3://bucket/prefix` URI read at init.
   */
  readonly source: string;
  /** Other versions served beside this one: an A/B split and a shadow. @default none: this version answers every request */
  readonly experiment?: ExperimentConfig;
  /**
   * What serves the model: the predict function (`lambda`, ONNX) or a SageMaker endpoint (`sagemaker`:
   * container image + model data, GPU instances or serverless). A SageMaker-served model's `source`
   * only names its version (the folder of its `model.json`); see `SageMakerServing`.
   * @default { kind: 'lambda' }
   */
  readonly serving?: ServingConfig;
}

/** Versions of one model served side by side by the predict function. */
export interface ExperimentConfig {
  /** Versions that take a share of callers (sources as for `source`); the primary keeps the rest of 100 percent. @default none */
  readonly variants?: readonly { readonly source: string; readonly percent: number }[];
  /** Request header whose value keeps a caller on one variant (across cold starts and deployments). @default 'x-user-id' */
  readonly stickyHeader?: string;
  /** A version (source) that gets a mirror of every request, scored off the response path. @default none */
  readonly shadow?: string;
}

/** Settings of the Lambda function that serves predictions. */
export interface PredictConfig {
  /** Memory in MB; Lambda gives vCPUs in proportion (1,769 MB = 1 vCPU). @default 1024 */
  readonly memorySize?: number;
  /** CPU architecture; arm64 costs ~20% less for the same work. @default 'arm64' */
  readonly architecture?: 'arm64' | 'x86_64';
  /** Concurrency reserved for (and capped at) this function. @default - unreserved, shares the account pool */
  readonly reservedConcurrency?: number;
  /** Invocation timeout in seconds; API Gateway gives up after 29 s anyway. @default 10 */
  readonly timeoutSeconds?: number;
  /** onnxruntime intra-op threads; 1 is as fast or faster on Lambda's small vCPU counts. @default 1 */
  readonly intraOpNumThreads?: number;
  /** Largest number of instances accepted in one request. @default 1000 */
  readonly maxBatch?: number;
  /** Largest request body in bytes; larger bodies get a 413. @default 1048576 (1 MiB) */
  readonly maxBodyBytes?: number;
  /** Days the function's logs are kept. @default 30 */
  readonly logRetentionDays?: number;
  /** Powertools log level. @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** Stage-wide or per-key request throttling. */
export interface ThrottleConfig {
  /** Steady-state requests per second. @default 100 */
  readonly rateLimit?: number;
  /** Requests allowed in a burst above the rate. @default 200 */
  readonly burstLimit?: number;
}

/** How many requests one API key may make per period. */
export interface QuotaConfig {
  /** Requests allowed per period. */
  readonly limit: number;
  /** Period the limit applies to. */
  readonly period: 'DAY' | 'WEEK' | 'MONTH';
}

/** Settings of the HTTPS API in front of the function. */
export interface ApiConfig {
  /** `iam`: callers sign requests with SigV4; `apiKey`: callers send `x-api-key`, metered by a usage plan. @default 'iam' */
  readonly auth?: 'iam' | 'apiKey';
  /** Stage throttling (and the usage plan's, with `apiKey`). @default { rateLimit: 100, burstLimit: 200 } */
  readonly throttling?: ThrottleConfig;
  /** Usage plan quota per key; only with `auth: 'apiKey'`. @default { limit: 1000000, period: 'MONTH' } */
  readonly quota?: QuotaConfig;
  /** Days access logs are kept. @default 90 */
  readonly accessLogRetentionDays?: number;
  /**
   * Whether to set API Gateway's account-wide CloudWatch role, which logging needs. There is one per
   * account and region: turn this off when another stack already sets it. @default true
   */
  readonly cloudWatchRole?: boolean;
}

/** The bucket batch jobs read from and write to. */
export interface BatchBucketConfig {
  /**
   * Use this existing bucket instead of creating one; `encryption`, `versioned` and
   * `accessLogsExpirationDays` then do not apply. An SSE-KMS key of that bucket must let the batch roles use it.
   * @default - a bucket created by the stack
   */
  readonly existingBucketName?: string;
  /**
   * Encryption of the created bucket: `kms` is a customer-managed key with yearly rotation (about
   * 1 USD a month), `s3-managed` is SSE-S3 at no cost. @default 's3-managed'
   */
  readonly encryption?: 'kms' | 's3-managed';
  /** Keep previous object versions, so an overwritten output can be restored. @default false */
  readonly versioned?: boolean;
  /** Days the created bucket's server access logs are kept in the logs bucket. @default 90 */
  readonly accessLogsExpirationDays?: number;
  /** Prefix jobs read inputs under; the roles read nothing else. Ends with '/'. @default 'input/' */
  readonly inputPrefix?: string;
  /** Prefix jobs write outputs under; the roles write nothing else. Ends with '/'. @default 'output/' */
  readonly outputPrefix?: string;
}

/** How a failed chunk is retried (after Lambda throttling, which is always retried). */
export interface BatchRetryConfig {
  /** Retries after the first attempt; 0 turns retries off. @default 2 */
  readonly maxAttempts?: number;
  /** Multiplier of the interval after each retry. @default 2 */
  readonly backoffRate?: number;
  /** Seconds before the first retry. @default 10 */
  readonly intervalSeconds?: number;
}

/** The score-chunk Lambda function and how the Distributed Map drives it. */
export interface BatchWorkerConfig {
  /** Memory in MB; more memory is more vCPU and network. @default 2048 */
  readonly memorySize?: number;
  /** CPU architecture. @default 'arm64' */
  readonly architecture?: 'arm64' | 'x86_64';
  /** Invocation timeout in seconds; a chunk must be scored within it. @default 900 */
  readonly timeoutSeconds?: number;
  /** Workers running at once (Distributed Map MaxConcurrency). @default 40 */
  readonly maxConcurrency?: number;
  /** Chunks one worker invocation scores in turn (ItemBatcher MaxItemsPerBatch). @default 1 */
  readonly chunksPerInvocation?: number;
  /** onnxruntime intra-op threads. @default 1 */
  readonly intraOpNumThreads?: number;
  /** Rows scored in one `session.run`. @default 4096 */
  readonly maxBatch?: number;
  /** Retries of a failed chunk. @default - every field's default */
  readonly retry?: BatchRetryConfig;
}

/** A batch job started by EventBridge Scheduler. */
export interface BatchScheduleConfig {
  /** Schedule name, unique: letters, digits, '-', '_' and '.', at most 64. */
  readonly name: string;
  /** EventBridge Scheduler expression, e.g. 'cron(0 3 * * ? *)' or 'rate(1 day)'. */
  readonly cron: string;
  /** IANA time zone the expression is read in. @default 'UTC' */
  readonly timezone?: string;
  /** Name of a model in `models`. */
  readonly model: string;
  /** Object key or prefix in the batch bucket, under its input prefix. */
  readonly input: string;
  /**
   * Prefix in the batch bucket, under its output prefix. Each run writes to
   * `<output>/<scheduled time>/`, so a run never mistakes the previous run's parts for its own.
   */
  readonly output: string;
  /** Output format. @default 'csv' */
  readonly format?: 'csv' | 'jsonl' | 'parquet';
  /** Input column copied to the output to join predictions back. @default - none */
  readonly idColumn?: string;
  /** Target chunk size in bytes. @default - `batch.chunkBytes` */
  readonly chunkBytes?: number;
  /** Percent of chunks that may fail with the run still succeeding. @default - `batch.toleratedFailurePercentage` */
  readonly toleratedFailurePercentage?: number;
  /**
   * What scores the rows: the Lambda workers (Lambda-served models), or a SageMaker Batch Transform
   * job of the model's endpoint image and data (SageMaker-served models; headerless CSV or JSON Lines
   * input, each output line is the input line joined with the prediction).
   * @default 'lambda'
   */
  readonly engine?: 'lambda' | 'sagemaker-batch-transform';
  /** How the Batch Transform job runs; only with engine 'sagemaker-batch-transform'. @default - every field's default */
  readonly transform?: BatchTransformConfig;
}

/** Batch scoring over S3: a Step Functions Distributed Map of Lambda workers, optionally on schedules. */
export interface BatchConfig {
  /** The data bucket. @default - a bucket created with every field's default */
  readonly bucket?: BatchBucketConfig;
  /** Worker settings. @default - every field's default */
  readonly worker?: BatchWorkerConfig;
  /** Target chunk size in bytes of a job that does not set one. @default 67108864 (64 MiB) */
  readonly chunkBytes?: number;
  /** Percent of chunks that may fail in a job that does not set it. @default 0 */
  readonly toleratedFailurePercentage?: number;
  /** Days the plan, finalize and state machine logs are kept (the worker's too). @default 30 */
  readonly logRetentionDays?: number;
  /** Scheduled jobs. @default - none: jobs are started by hand (`aws stepfunctions start-execution`) */
  readonly schedules?: readonly BatchScheduleConfig[];
}

/** Sampled request capture by the predict function, the input of the drift and label-quality jobs. */
export interface CaptureConfig {
  /** Whether the predict function writes sampled requests to the monitoring bucket. @default true */
  readonly enabled?: boolean;
  /** Share of requests captured, 0 to 1. @default 0.1 */
  readonly sampleRate?: number;
  /**
   * Features whose values are captured: one list for every model, or a list per model name (models
   * not named capture every feature). Outputs, model version and request id are always captured.
   * @default - every feature of every model
   */
  readonly features?: readonly string[] | Readonly<Record<string, readonly string[]>>;
}

/** The bucket holding captures, drift reports and labels. */
export interface MonitoringBucketConfig {
  /** `kms`: a customer-managed key with rotation; `s3-managed`: SSE-S3. @default 's3-managed' */
  readonly encryption?: 'kms' | 's3-managed';
  /** Days captured requests are kept (`captures/`). @default 90 */
  readonly captureExpirationDays?: number;
  /** Days drift reports are kept (`drift-reports/`). @default 365 */
  readonly reportExpirationDays?: number;
  /** Days the bucket's server access logs are kept. @default 90 */
  readonly accessLogsExpirationDays?: number;
}

/** A job run per model on an EventBridge Scheduler schedule. */
export interface MonitoringJobConfig {
  /** Whether the job is deployed and scheduled. @default true */
  readonly enabled?: boolean;
  /** EventBridge Scheduler expression, e.g. 'cron(15 0 * * ? *)' or 'rate(6 hours)'. @default - see the job */
  readonly schedule?: string;
  /** IANA time zone the expression is read in. @default 'UTC' */
  readonly timezone?: string;
  /** Hours of captures (ending at the run) the job reads. @default - see the job */
  readonly windowHours?: number;
}

/** Alarm thresholds that apply to each model; every one can be overridden per model. */
export interface ModelAlarmThresholds {
  /** Median handler latency (EMF `Latency`, ms) over 3 consecutive 5-minute periods. @default 100 */
  readonly latencyP50Ms?: number;
  /** 99th percentile handler latency (ms) over 3 consecutive 5-minute periods. @default 1000 */
  readonly latencyP99Ms?: number;
  /** Percent of requests answered 4xx, over 3 consecutive 5-minute periods. @default 10 */
  readonly clientErrorRatePercent?: number;
  /** Percent of requests answered 5xx, over 3 consecutive 5-minute periods. @default 1 */
  readonly serverErrorRatePercent?: number;
  /** Requests a 5-minute period needs before its error rates are judged (a few requests prove nothing). @default 20 */
  readonly minRequests?: number;
  /** Largest PSI of any single feature in a drift run that alarms (0.1 moderate, 0.25 major shift). @default 0.25 */
  readonly featurePsi?: number;
  /**
   * Live accuracy (classifiers) below which the quality alarm fires.
   * @default - the holdout accuracy in model.json minus `qualityDrop`; none for S3 models (unknown at synth)
   */
  readonly minAccuracy?: number;
  /** Live ROC AUC (binary classifiers) floor. @default - holdout `rocAuc` minus `qualityDrop`; none for S3 models */
  readonly minAuc?: number;
  /** Live RMSE (regressors) ceiling. @default - holdout `rmse` times (1 + `errorIncreasePercent`/100); none for S3 models */
  readonly maxRmse?: number;
  /** Live MAE (regressors) ceiling. @default - holdout `mae` times (1 + `errorIncreasePercent`/100); none for S3 models */
  readonly maxMae?: number;
  /** Absolute drop of accuracy or AUC below holdout that alarms, for the derived floors. @default 0.05 */
  readonly qualityDrop?: number;
  /** Percent increase of RMSE or MAE over holdout that alarms, for the derived ceilings. @default 25 */
  readonly errorIncreasePercent?: number;
  /** Labeled rows a label-quality run needs before its metrics are judged. @default 100 */
  readonly minLabeledRows?: number;
}

/** Alarm thresholds: the predict function's (shared by every model it serves), batch scoring's, and each model's. */
export interface AlarmsConfig extends ModelAlarmThresholds {
  /** Throttled predict invocations in a 5-minute period. @default 1 */
  readonly throttles?: number;
  /** Peak concurrency as a percent of `predict.reservedConcurrency`; only with reserved concurrency. @default 80 */
  readonly concurrencyPercent?: number;
  /** Longest predict cold start (Lambda's Init Duration, ms) in a 5-minute period. @default 3000 */
  readonly initDurationMs?: number;
  /** Failed or timed-out batch runs in an hour; only with `batch`. @default 1 */
  readonly batchRunFailures?: number;
  /** Per-model overrides of the model thresholds, keyed by model name. @default - none */
  readonly models?: Readonly<Record<string, ModelAlarmThresholds>>;
}

/** Where alarm notifications go. */
export interface NotificationsConfig {
  /** Email addresses subscribed to the alarm topic (each confirms by email). @default - none: subscribe to the topic yourself */
  readonly emails?: readonly string[];
}

/** Drift-triggered retraining. */
export interface RetrainingConfig {
  /** Whether a model's overall drift alarm starts retraining. @default true */
  readonly enabled?: boolean;
  /**
   * The retraining state machine to start with `{ model, version, reason, driftReport, alarm }`.
   * @default - the pipeline of the top-level `retraining` config when set; otherwise a placeholder state machine that only records its input
   */
  readonly stateMachineArn?: string;
  /** Hours after a start during which a model's drift alarm starts nothing. @default 24 */
  readonly cooldownHours?: number;
}

/** Monitoring: capture, drift and label-quality jobs, alarms, dashboards and drift-triggered retraining. */
export interface MonitoringConfig {
  /** Whether any of it is deployed. @default true */
  readonly enabled?: boolean;
  /** The monitoring bucket. @default - a bucket created with every field's default */
  readonly bucket?: MonitoringBucketConfig;
  /** Request capture. @default - every field's default */
  readonly capture?: CaptureConfig;
  /** The drift job. @default - daily at 00:15 UTC ('cron(15 0 * * ? *)') over the last 24 hours */
  readonly drift?: MonitoringJobConfig;
  /** The label-quality job. @default - daily at 00:45 UTC ('cron(45 0 * * ? *)') over the last 168 hours */
  readonly labelQuality?: MonitoringJobConfig;
  /** The shadow report job, for models whose experiment has a shadow. @default - daily at 01:15 UTC ('cron(15 1 * * ? *)') over the last 24 hours */
  readonly shadowReport?: MonitoringJobConfig;
  /** Alarm thresholds. @default - every field's default */
  readonly alarms?: AlarmsConfig;
  /** Alarm notifications. @default - a topic with no subscription */
  readonly notifications?: NotificationsConfig;
  /** Drift-triggered retraining. @default - every field's default */
  readonly retraining?: RetrainingConfig;
  /** Days the monitoring functions' logs are kept. @default 30 */
  readonly logRetentionDays?: number;
}

/** Which alarms stop a rollout (and roll it back with `autoRollback`): each served model's, as monitoring defines them. */
export interface RolloutAlarmsConfig {
  /** Each model's 5xx-rate alarm. @default true */
  readonly errors?: boolean;
  /** Each model's p99-latency alarm. @default true */
  readonly latencyP99?: boolean;
  /** Each model's live-quality alarms, where labels exist (bundled packages with holdout metrics, or set bounds). @default true */
  readonly quality?: boolean;
}

/**
 * How a new version takes traffic: one policy for every serving path. For Lambda-served models it
 * is a CodeDeploy deployment of the predict function's `live` alias; the SageMaker path maps the same
 * fields onto endpoint deployment guardrails (`DeploymentConfig` of `CfnEndpoint`):
 * - `strategy` -> `BlueGreenUpdatePolicy.TrafficRoutingConfiguration.Type` (`CANARY`, `LINEAR`, `ALL_AT_ONCE`);
 * - `percent` -> `CanarySize` (canary) or `LinearStepSize` (linear), `{ Type: 'CAPACITY_PERCENT', Value: percent }`;
 * - `intervalMinutes` -> `WaitIntervalInSeconds` (`intervalMinutes * 60`; SageMaker allows at most 3600);
 * - `alarms` -> `AutoRollbackConfiguration.Alarms` (the endpoint variant's alarms, at most 10);
 * - `autoRollback: false` -> no `AutoRollbackConfiguration`;
 * - `preTrafficHook` -> SageMaker has no hook: the golden examples are checked before the endpoint is updated.
 */
export interface RolloutConfig {
  /** Whether new versions roll out gradually; when off, the alias moves at once with no checks. @default true */
  readonly enabled?: boolean;
  /**
   * `canary`: `percent` of traffic for `intervalMinutes`, then the rest; `linear`: `percent` more
   * every `intervalMinutes`; `all-at-once`: every request at once (the hook and alarms still apply).
   * @default 'canary'
   */
  readonly strategy?: 'canary' | 'linear' | 'all-at-once';
  /** Percent of traffic of the canary step, or added at each linear step (1 to 99). @default 10 */
  readonly percent?: number;
  /**
   * Minutes between steps (1 to 2880). The monitoring alarms judge three 5-minute periods, so a
   * rollout shorter than about 15 minutes is guarded by the pre-traffic hook more than by them.
   * @default 5
   */
  readonly intervalMinutes?: number;
  /** Alarms that stop the rollout. @default - all of them */
  readonly alarms?: RolloutAlarmsConfig;
  /** Roll back to the previous version when the deployment fails or an alarm fires. @default true */
  readonly autoRollback?: boolean;
  /**
   * Before any traffic moves, send every served model's `model.json` examples to the new version
   * and fail the deployment on an error or a prediction that differs. @default true
   */
  readonly preTrafficHook?: boolean;
}

/** Everything `cdk deploy` needs to know. */
export interface InferenceConfig {
  /** CloudFormation stack name. */
  readonly stackName: string;
  /** Account and region to deploy to. @default - the CLI's current account and region (environment-agnostic template) */
  readonly env?: { readonly account?: string; readonly region?: string };
  /** Models served by the predict function; at least one. */
  readonly models: readonly ModelConfig[];
  /** CloudWatch namespace of the functions' metrics. @default 'ServerlessInference' */
  readonly metricsNamespace?: string;
  /** Predict function settings. @default - every field's default */
  readonly predict?: PredictConfig;
  /** API settings. @default - every field's default */
  readonly api?: ApiConfig;
  /** Batch scoring. @default - none: no bucket, state machine or schedule */
  readonly batch?: BatchConfig;
  /** Monitoring. @default - on, with every field's default; `{ enabled: false }` turns it off */
  readonly monitoring?: MonitoringConfig;
  /** How new versions reach users. @default - a canary: 10% for 5 minutes, every alarm, automatic rollback, the pre-traffic hook */
  readonly rollout?: RolloutConfig;
  /** The retraining pipeline (SageMaker training, evaluation, gate, registry, deploy), documented in lib/retraining-config.ts. @default - none */
  readonly retraining?: RetrainingPipelineConfig;
}

/** Inclusive bounds shared by config and construct validation, so both reject the same values. */
export const LIMITS = {
  memorySize: [128, 10240],
  timeoutSeconds: [1, 29],
  // Lambda gives at most 6 vCPUs.
  intraOpNumThreads: [1, 6],
  maxBatch: [1, 100_000],
  // Lambda's synchronous request payload limit.
  maxBodyBytes: [1, 6 * 1024 * 1024],
  reservedConcurrency: [1, 100_000],
  rateLimit: [1, 100_000],
  burstLimit: [1, 100_000],
  quotaLimit: [1, Number.MAX_SAFE_INTEGER],
  workerTimeoutSeconds: [1, 900],
  maxConcurrency: [1, 10_000],
  chunksPerInvocation: [1, 1000],
  retryAttempts: [0, 99],
  retryIntervalSeconds: [1, 3600],
  chunkBytes: [1024, 5 * 1024 ** 4],
  accessLogsExpirationDays: [1, 3650],
  // CodeDeploy's time-based canary and linear steps.
  rolloutPercent: [1, 99],
  rolloutIntervalMinutes: [1, 2880],
} as const satisfies Record<string, readonly [number, number]>;

function checkOneOf<T>(path: string, value: T | undefined, allowed: readonly T[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new Error(`${path} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
  }
}

const MODEL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const SEMVER = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;
// Restricted to characters that need no shell quoting: the path ends up in bundling commands.
const FOLDER = /^(?:[A-Za-z0-9_][A-Za-z0-9._-]*\/)+[A-Za-z0-9_][A-Za-z0-9._+-]*$/;
const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/([^*?]+?)\/?$/;

/** A model source, parsed: a bundled folder with its version (the folder's last segment), or an S3 location. */
export type ParsedSource =
  | { readonly kind: 'bundled'; readonly folder: string; readonly version: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string };

/** Parses a model source, throwing an error that names `path` when it is neither form. */
export function parseSource(path: string, source: string): ParsedSource {
  const s3 = S3_URI.exec(source);
  if (s3) return { kind: 's3', bucket: s3[1]!, prefix: s3[2]! };
  if (source.startsWith('s3://')) throw new Error(`${path} must be s3://bucket/prefix with a non-empty prefix, got ${source}`);
  const version = source.split('/').at(-1)!;
  if (!FOLDER.test(source) || source.split('/').includes('..') || !SEMVER.test(version)) {
    throw new Error(`${path} must be a repo-relative folder ending in a version (models/<name>/1.0.0) or s3://bucket/prefix, got ${source}`);
  }
  return { kind: 'bundled', folder: source, version };
}

/** Checks the served model list (non-empty, valid unique names, parseable sources, experiments), naming every problem: into `problems`, or thrown when none is given. */
export function checkModels(path: string, models: readonly ModelConfig[], problems?: Problems): void {
  gathering(problems, (p) => {
    if (!p.must(Array.isArray(models) && models.length > 0, `${path} must list at least one model`)) return;
    const seen = new Set<string>();
    models.forEach((model, i) => {
      if (p.must(MODEL_NAME.test(model.name), `${path}[${i}].name must be lowercase letters, digits and dashes (at most 63), got ${JSON.stringify(model.name)}`)) {
        p.must(!seen.has(model.name), `${path}[${i}].name ${model.name} is listed twice`);
        seen.add(model.name);
      }
      const sourceOk = p.check(() => parseSource(`${path}[${i}].source`, model.source));
      if (model.experiment && sourceOk) checkExperiment(`${path}[${i}].experiment`, model, p);
    });
  });
}

const HEADER = /^[A-Za-z0-9-]{1,64}$/;

function checkExperiment(path: string, model: ModelConfig, p: Problems): void {
  const experiment = model.experiment!;
  const versions = new Set<string>();
  p.check(() => versions.add(modelVersion(`${path.replace(/\.experiment$/, '')}.source`, model.source, FOR_EXPERIMENT)));
  let share = 0;
  let percentsOk = true;
  (experiment.variants ?? []).forEach((variant, j) => {
    p.check(() => {
      const version = modelVersion(`${path}.variants[${j}].source`, variant.source, FOR_EXPERIMENT);
      if (versions.has(version)) throw new Error(`${path}.variants[${j}].source serves version ${version} a second time`);
      versions.add(version);
    });
    const percentOk = p.must(
      typeof variant.percent === 'number' && variant.percent > 0 && variant.percent < 100,
      `${path}.variants[${j}].percent must be a number above 0 and below 100, got ${variant.percent}`,
    );
    if (percentOk) share += variant.percent;
    percentsOk &&= percentOk;
  });
  if (percentsOk) p.must(share < 100, `${path}.variants take ${share} percent; the primary version needs the rest of 100`);
  p.must(experiment.stickyHeader === undefined || HEADER.test(experiment.stickyHeader), `${path}.stickyHeader must be an HTTP header name, got ${JSON.stringify(experiment.stickyHeader)}`);
  if (experiment.shadow !== undefined) p.check(() => modelVersion(`${path}.shadow`, experiment.shadow!, FOR_EXPERIMENT));
}

/** The other versions a model's experiment serves, as model entries of the same name. */
export const experimentVersions = (model: ModelConfig): ModelConfig[] => [
  ...(model.experiment?.variants ?? []).map((v) => ({ name: model.name, source: v.source })),
  ...(model.experiment?.shadow ? [{ name: model.name, source: model.experiment.shadow }] : []),
];

/** The EXPERIMENTS setting of the predict function: weights, sticky header and shadow by model name. */
export function experimentsSetting(models: readonly ModelConfig[]): Record<string, { weights?: Record<string, number>; stickyHeader: string; shadow?: string }> {
  const out: Record<string, { weights?: Record<string, number>; stickyHeader: string; shadow?: string }> = {};
  models.forEach((model, i) => {
    const experiment = model.experiment;
    if (!experiment) return;
    const variants = experiment.variants ?? [];
    const primary = modelVersion(`models[${i}].source`, model.source, FOR_EXPERIMENT);
    out[model.name] = {
      ...(variants.length > 0 && {
        weights: Object.fromEntries([
          [primary, 100 - variants.reduce((sum, v) => sum + v.percent, 0)],
          ...variants.map((v, j) => [modelVersion(`models[${i}].experiment.variants[${j}].source`, v.source, FOR_EXPERIMENT), v.percent]),
        ]),
      }),
      stickyHeader: experiment.stickyHeader ?? 'x-user-id',
      ...(experiment.shadow && { shadow: modelVersion(`models[${i}].experiment.shadow`, experiment.shadow, FOR_EXPERIMENT) }),
    };
  });
  return out;
}

/**
 * Validates a config, throwing one error that names every offending prop (each on a line of its
 * own when there are several); returns it unchanged.
 */
export function validateConfig(config: InferenceConfig): InferenceConfig {
  const p = new Problems();
  p.must(/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(config.stackName ?? ''), `stackName must start with a letter and hold only letters, digits and dashes (at most 128), got ${JSON.stringify(config.stackName)}`);
  const before = p.found.length;
  checkModels('models', config.models, p);
  // Every check after this one reads the models.
  if (p.found.length === before) checkSections(config, p);
  p.throwIfAny();
  return config;
}

function checkSections(config: InferenceConfig, p: Problems): void {
  checkServing(config, p);
  // Monitoring's metrics and the rollout alarms carry the version: each model's is checked once, for both.
  const alarms = config.rollout?.alarms ?? {};
  const rolloutAlarms = config.rollout !== undefined && config.rollout.enabled !== false && (alarms.errors !== false || alarms.latencyP99 !== false || alarms.quality !== false);
  const neededFor = [...(config.monitoring?.enabled !== false ? [FOR_MONITORING] : []), ...(rolloutAlarms ? [FOR_ROLLOUT_ALARMS] : [])];
  if (neededFor.length > 0) config.models.forEach((model, i) => p.check(() => modelVersion(`models[${i}].source`, model.source, neededFor.join(' and '))));
  p.must(config.metricsNamespace === undefined || /^[^:$][^:]{0,254}$/.test(config.metricsNamespace), `metricsNamespace must be 1 to 255 characters, not starting with $ and without ':', got ${config.metricsNamespace}`);
  const predict = config.predict ?? {};
  checkModelFunction('predict', predict, LIMITS.timeoutSeconds, p);
  p.check(() => checkInteger('predict.reservedConcurrency', predict.reservedConcurrency, LIMITS.reservedConcurrency));
  p.check(() => checkInteger('predict.maxBodyBytes', predict.maxBodyBytes, LIMITS.maxBodyBytes));
  p.check(() => checkRetention('predict.logRetentionDays', predict.logRetentionDays));
  p.check(() => checkOneOf('predict.logLevel', predict.logLevel, ['DEBUG', 'INFO', 'WARN', 'ERROR']));
  const api = config.api ?? {};
  const authKnown = p.check(() => checkOneOf('api.auth', api.auth, ['iam', 'apiKey']));
  p.check(() => checkInteger('api.throttling.rateLimit', api.throttling?.rateLimit, LIMITS.rateLimit));
  p.check(() => checkInteger('api.throttling.burstLimit', api.throttling?.burstLimit, LIMITS.burstLimit));
  if (api.quota !== undefined) {
    if (authKnown) p.must((api.auth ?? 'iam') === 'apiKey', `api.quota only applies with api.auth 'apiKey'`);
    p.check(() => checkInteger('api.quota.limit', api.quota!.limit, LIMITS.quotaLimit));
    p.check(() => checkOneOf('api.quota.period', api.quota!.period, ['DAY', 'WEEK', 'MONTH']));
  }
  p.check(() => checkRetention('api.accessLogRetentionDays', api.accessLogRetentionDays));
  if (config.batch !== undefined) checkBatch(config.batch, config.models, p);
  if (config.monitoring?.enabled !== false) checkMonitoring(config.monitoring ?? {}, config, p);
  if (config.rollout !== undefined) checkRollout(config.rollout, p);
  if (config.retraining !== undefined) checkRetrainingConfig(config.retraining, config.models.map((m) => m.name), 'retraining', p);
}

/** The fields of a function that scores with ONNX Runtime, as `predict` and `batch.worker` have them. */
function checkModelFunction(
  path: string,
  fn: Pick<BatchWorkerConfig, 'memorySize' | 'architecture' | 'timeoutSeconds' | 'intraOpNumThreads' | 'maxBatch'>,
  timeoutSeconds: readonly [number, number],
  p: Problems,
): void {
  p.check(() => checkInteger(`${path}.memorySize`, fn.memorySize, LIMITS.memorySize));
  p.check(() => checkOneOf(`${path}.architecture`, fn.architecture, ['arm64', 'x86_64']));
  p.check(() => checkInteger(`${path}.timeoutSeconds`, fn.timeoutSeconds, timeoutSeconds));
  p.check(() => checkInteger(`${path}.intraOpNumThreads`, fn.intraOpNumThreads, LIMITS.intraOpNumThreads));
  p.check(() => checkInteger(`${path}.maxBatch`, fn.maxBatch, LIMITS.maxBatch));
}

/** Throws `<path> must be a number between <min> and <max>` unless value is undefined or in range. */
function checkNumber(path: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && !(typeof value === 'number' && value >= min && value <= max)) {
    throw new Error(`${path} must be a number between ${min} and ${max}, got ${value}`);
  }
}

/** An EventBridge Scheduler expression. */
const SCHEDULE = /^(cron|rate)\(.+\)$/;
/** S3 key prefixes the batch roles are scoped to: non-empty, ending in '/', no wildcard. */
const KEY_PREFIX = /^[A-Za-z0-9!_.'()-][A-Za-z0-9!_.'()/-]*\/$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function checkBatch(batch: BatchConfig, models: readonly ModelConfig[], p: Problems): void {
  const bucket = batch.bucket ?? {};
  p.must(bucket.existingBucketName === undefined || BUCKET_NAME.test(bucket.existingBucketName), `batch.bucket.existingBucketName must be an S3 bucket name, got ${JSON.stringify(bucket.existingBucketName)}`);
  p.check(() => checkOneOf('batch.bucket.encryption', bucket.encryption, ['kms', 's3-managed']));
  p.check(() => checkInteger('batch.bucket.accessLogsExpirationDays', bucket.accessLogsExpirationDays, LIMITS.accessLogsExpirationDays));
  const { inputPrefix = 'input/', outputPrefix = 'output/' } = bucket;
  const prefixesOk = [['batch.bucket.inputPrefix', inputPrefix], ['batch.bucket.outputPrefix', outputPrefix]]
    .map(([path, prefix]) => p.must(typeof prefix === 'string' && KEY_PREFIX.test(prefix), `${path} must be a key prefix ending in '/' (letters, digits, !_.'()-/), got ${JSON.stringify(prefix)}`))
    .every(Boolean);
  if (prefixesOk) {
    p.must(
      !inputPrefix.startsWith(outputPrefix) && !outputPrefix.startsWith(inputPrefix),
      `batch.bucket.inputPrefix and outputPrefix must not contain one another, got ${inputPrefix} and ${outputPrefix}`,
    );
  }
  const worker = batch.worker ?? {};
  checkModelFunction('batch.worker', worker, LIMITS.workerTimeoutSeconds, p);
  p.check(() => checkInteger('batch.worker.maxConcurrency', worker.maxConcurrency, LIMITS.maxConcurrency));
  p.check(() => checkInteger('batch.worker.chunksPerInvocation', worker.chunksPerInvocation, LIMITS.chunksPerInvocation));
  p.check(() => checkInteger('batch.worker.retry.maxAttempts', worker.retry?.maxAttempts, LIMITS.retryAttempts));
  p.check(() => checkNumber('batch.worker.retry.backoffRate', worker.retry?.backoffRate, 1, 10));
  p.check(() => checkInteger('batch.worker.retry.intervalSeconds', worker.retry?.intervalSeconds, LIMITS.retryIntervalSeconds));
  p.check(() => checkInteger('batch.chunkBytes', batch.chunkBytes, LIMITS.chunkBytes));
  p.check(() => checkNumber('batch.toleratedFailurePercentage', batch.toleratedFailurePercentage, 0, 100));
  p.check(() => checkRetention('batch.logRetentionDays', batch.logRetentionDays));

  const names = new Set<string>();
  (batch.schedules ?? []).forEach((schedule, i) => {
    const path = `batch.schedules[${i}]`;
    const must = (ok: boolean, problem: string) => p.must(ok, `${path}.${problem}`);
    if (must(/^[A-Za-z0-9_.-]{1,64}$/.test(schedule.name ?? ''), `name must be 1 to 64 letters, digits, '-', '_' or '.', got ${JSON.stringify(schedule.name)}`)) {
      must(!names.has(schedule.name), `name ${schedule.name} is listed twice`);
      names.add(schedule.name);
    }
    must(SCHEDULE.test(schedule.cron ?? ''), `cron must be an EventBridge Scheduler expression such as 'cron(0 3 * * ? *)' or 'rate(1 day)', got ${JSON.stringify(schedule.cron)}`);
    p.check(() => checkTimeZone(`${path}.timezone`, schedule.timezone));
    p.check(() => checkModelName(`${path}.model`, schedule.model, models));
    // Where a schedule reads and writes is checked against prefixes that are right themselves.
    if (prefixesOk) {
      must(
        typeof schedule.input === 'string' && schedule.input.startsWith(inputPrefix) && schedule.input.length > inputPrefix.length,
        `input must be a key or prefix under batch.bucket.inputPrefix '${inputPrefix}', got ${JSON.stringify(schedule.input)}`,
      );
      must(typeof schedule.output === 'string' && schedule.output.startsWith(outputPrefix), `output must be a prefix under batch.bucket.outputPrefix '${outputPrefix}', got ${JSON.stringify(schedule.output)}`);
    }
    p.check(() => checkOneOf(`${path}.format`, schedule.format, ['csv', 'jsonl', 'parquet']));
    must(schedule.idColumn === undefined || (typeof schedule.idColumn === 'string' && schedule.idColumn !== ''), `idColumn must be a non-empty column name, got ${JSON.stringify(schedule.idColumn)}`);
    p.check(() => checkInteger(`${path}.chunkBytes`, schedule.chunkBytes, LIMITS.chunkBytes));
    p.check(() => checkNumber(`${path}.toleratedFailurePercentage`, schedule.toleratedFailurePercentage, 0, 100));
    p.check(() => checkOneOf(`${path}.engine`, schedule.engine, ['lambda', 'sagemaker-batch-transform']));
    checkTransformSchedule(path, schedule, p);
  });
}

/** Throws `<path> must be an IANA time zone` unless value is undefined or one. */
function checkTimeZone(path: string, value: string | undefined): void {
  if (value === undefined) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
  } catch {
    throw new Error(`${path} must be an IANA time zone such as 'Europe/Paris', got ${JSON.stringify(value)}`);
  }
}

/** Why a model's version must be known, as `modelVersion` says it: monitoring's metrics carry it. */
const FOR_MONITORING = 'monitoring, whose metrics are per version (or set monitoring.enabled false)';
const FOR_ROLLOUT_ALARMS = "the rollout alarms, which watch the version's metrics (or set every rollout.alarms field false)";
const FOR_EXPERIMENT = 'the experiment, which routes requests by version';

/**
 * The model version of a source (a monitored model's metrics carry it as their `version` dimension):
 * a bundled folder's last segment, or an S3 prefix's, which must then be a version
 * (`s3://bucket/churn/2.1.0`); `neededFor` says which features need it.
 */
export function modelVersion(path: string, source: string, neededFor = FOR_MONITORING): string {
  const parsed = parseSource(path, source);
  if (parsed.kind === 'bundled') return parsed.version;
  const version = parsed.prefix.split('/').at(-1)!;
  if (!SEMVER.test(version)) throw new Error(`${path} must end in the model version (s3://bucket/prefix/1.0.0) for ${neededFor}; got ${source}`);
  return version;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

function checkPositive(path: string, value: number | undefined, max = Number.MAX_SAFE_INTEGER): void {
  if (value !== undefined && !(typeof value === 'number' && value > 0 && value <= max)) {
    throw new Error(`${path} must be a number above 0 and at most ${max}, got ${value}`);
  }
}

function checkModelName(path: string, name: string, models: readonly ModelConfig[]): void {
  if (!models.some((m) => m.name === name)) {
    throw new Error(`${path} must name one of models (${models.map((m) => m.name).join(', ')}), got ${JSON.stringify(name)}`);
  }
}

function checkFeatureList(path: string, list: unknown): void {
  if (!Array.isArray(list) || list.length === 0 || !list.every((f) => typeof f === 'string' && f !== '')) {
    throw new Error(`${path} must be a non-empty list of feature names, got ${JSON.stringify(list)}`);
  }
}

function checkJob(path: string, job: MonitoringJobConfig | undefined, p: Problems): void {
  if (job === undefined) return;
  p.must(job.schedule === undefined || SCHEDULE.test(job.schedule), `${path}.schedule must be an EventBridge Scheduler expression such as 'cron(15 0 * * ? *)' or 'rate(6 hours)', got ${JSON.stringify(job.schedule)}`);
  p.check(() => checkTimeZone(`${path}.timezone`, job.timezone));
  p.check(() => checkInteger(`${path}.windowHours`, job.windowHours, [1, 24 * 90]));
}

function checkModelThresholds(path: string, t: ModelAlarmThresholds, p: Problems): void {
  p.check(() => checkPositive(`${path}.latencyP50Ms`, t.latencyP50Ms, 900_000));
  p.check(() => checkPositive(`${path}.latencyP99Ms`, t.latencyP99Ms, 900_000));
  p.check(() => checkPositive(`${path}.clientErrorRatePercent`, t.clientErrorRatePercent, 100));
  p.check(() => checkPositive(`${path}.serverErrorRatePercent`, t.serverErrorRatePercent, 100));
  p.check(() => checkInteger(`${path}.minRequests`, t.minRequests, [1, 1_000_000_000]));
  p.check(() => checkPositive(`${path}.featurePsi`, t.featurePsi, 10));
  p.check(() => checkPositive(`${path}.minAccuracy`, t.minAccuracy, 1));
  p.check(() => checkPositive(`${path}.minAuc`, t.minAuc, 1));
  p.check(() => checkPositive(`${path}.maxRmse`, t.maxRmse));
  p.check(() => checkPositive(`${path}.maxMae`, t.maxMae));
  p.check(() => checkPositive(`${path}.qualityDrop`, t.qualityDrop, 1));
  p.check(() => checkPositive(`${path}.errorIncreasePercent`, t.errorIncreasePercent, 1000));
  p.check(() => checkInteger(`${path}.minLabeledRows`, t.minLabeledRows, [1, 1_000_000_000]));
}

function checkMonitoring(monitoring: MonitoringConfig, config: InferenceConfig, p: Problems): void {
  const { models } = config;
  const bucket = monitoring.bucket ?? {};
  p.check(() => checkOneOf('monitoring.bucket.encryption', bucket.encryption, ['kms', 's3-managed']));
  p.check(() => checkInteger('monitoring.bucket.captureExpirationDays', bucket.captureExpirationDays, LIMITS.accessLogsExpirationDays));
  p.check(() => checkInteger('monitoring.bucket.reportExpirationDays', bucket.reportExpirationDays, LIMITS.accessLogsExpirationDays));
  p.check(() => checkInteger('monitoring.bucket.accessLogsExpirationDays', bucket.accessLogsExpirationDays, LIMITS.accessLogsExpirationDays));

  const capture = monitoring.capture ?? {};
  p.check(() => checkNumber('monitoring.capture.sampleRate', capture.sampleRate, 0, 1));
  if (Array.isArray(capture.features)) {
    p.check(() => checkFeatureList('monitoring.capture.features', capture.features as string[]));
  } else if (capture.features !== undefined) {
    for (const [name, list] of Object.entries(capture.features)) {
      p.check(() => checkModelName(`monitoring.capture.features.${name}`, name, models));
      p.check(() => checkFeatureList(`monitoring.capture.features.${name}`, list));
    }
  }

  checkJob('monitoring.drift', monitoring.drift, p);
  checkJob('monitoring.labelQuality', monitoring.labelQuality, p);
  checkJob('monitoring.shadowReport', monitoring.shadowReport, p);

  const alarms = monitoring.alarms ?? {};
  checkModelThresholds('monitoring.alarms', alarms, p);
  p.check(() => checkInteger('monitoring.alarms.throttles', alarms.throttles, [1, 1_000_000_000]));
  p.check(() => checkPositive('monitoring.alarms.concurrencyPercent', alarms.concurrencyPercent, 100));
  p.check(() => checkInteger('monitoring.alarms.initDurationMs', alarms.initDurationMs, [1, 600_000]));
  p.check(() => checkInteger('monitoring.alarms.batchRunFailures', alarms.batchRunFailures, [1, 1_000_000]));
  for (const [name, thresholds] of Object.entries(alarms.models ?? {})) {
    p.check(() => checkModelName(`monitoring.alarms.models.${name}`, name, models));
    checkModelThresholds(`monitoring.alarms.models.${name}`, thresholds, p);
  }

  (monitoring.notifications?.emails ?? []).forEach((email, i) =>
    p.must(EMAIL.test(email), `monitoring.notifications.emails[${i}] must be an email address, got ${JSON.stringify(email)}`),
  );

  const retraining = monitoring.retraining ?? {};
  p.must(retraining.stateMachineArn === undefined || STATE_MACHINE_ARN.test(retraining.stateMachineArn), `monitoring.retraining.stateMachineArn must be a Step Functions state machine ARN, got ${JSON.stringify(retraining.stateMachineArn)}`);
  p.check(() => checkInteger('monitoring.retraining.cooldownHours', retraining.cooldownHours, [1, 24 * 365]));
  p.check(() => checkRetention('monitoring.logRetentionDays', monitoring.logRetentionDays));
}

function checkBoolean(path: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw new Error(`${path} must be true or false, got ${JSON.stringify(value)}`);
}

function checkRollout(rollout: RolloutConfig, p: Problems): void {
  p.check(() => checkBoolean('rollout.enabled', rollout.enabled));
  if (rollout.enabled === false) return;
  p.check(() => checkOneOf('rollout.strategy', rollout.strategy, ['canary', 'linear', 'all-at-once']));
  if (rollout.strategy === 'all-at-once') {
    for (const key of ['percent', 'intervalMinutes'] as const) {
      p.must(rollout[key] === undefined, `rollout.${key} does not apply to strategy 'all-at-once'`);
    }
  }
  p.check(() => checkInteger('rollout.percent', rollout.percent, LIMITS.rolloutPercent));
  p.check(() => checkInteger('rollout.intervalMinutes', rollout.intervalMinutes, LIMITS.rolloutIntervalMinutes));
  const alarms = rollout.alarms ?? {};
  p.check(() => checkBoolean('rollout.alarms.errors', alarms.errors));
  p.check(() => checkBoolean('rollout.alarms.latencyP99', alarms.latencyP99));
  p.check(() => checkBoolean('rollout.alarms.quality', alarms.quality));
  p.check(() => checkBoolean('rollout.autoRollback', rollout.autoRollback));
  p.check(() => checkBoolean('rollout.preTrafficHook', rollout.preTrafficHook));
}

