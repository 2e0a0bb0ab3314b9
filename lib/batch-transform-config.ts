/**
 * The config of batch schedules scored by SageMaker Batch Transform (`engine: 'sagemaker-batch-transform'`).
 * Plain data with no CDK types, like `config.ts`, whose `BatchScheduleConfig.transform` it is.
 */
import { checkInteger } from './config-checks.ts';
import { gathering, type Problems } from './problems.ts';
import { SAGEMAKER_DEFAULTS, type ServingConfig } from './sagemaker-config.ts';

/** Content types Batch Transform can split by line: one record per line. */
export type TransformContentType = 'text/csv' | 'application/jsonlines';

/** How a Batch Transform job runs; the input is always split by line, so each line is one record. */
export interface BatchTransformConfig {
  /** Instance type of the job. @default - the endpoint's own instance type (the image is known to run there); 'ml.m5.xlarge' for serverless endpoints */
  readonly instanceType?: string;
  /** Instances the job runs on; each takes whole input objects. @default 1 */
  readonly instanceCount?: number;
  /** Largest request body sent to the container, in MB (MaxPayloadInMB); a single line must fit. @default 6 */
  readonly maxPayloadMb?: number;
  /** Requests in flight to each instance's container (MaxConcurrentTransforms). @default - SageMaker's: the container's /execution-parameters, else 1 */
  readonly maxConcurrentTransforms?: number;
  /** `MultiRecord` packs lines into requests up to `maxPayloadMb`; `SingleRecord` sends one line per request. @default 'MultiRecord' */
  readonly batchStrategy?: 'MultiRecord' | 'SingleRecord';
  /**
   * Content type of the input lines: headerless CSV or JSON Lines. It must match the schedule's
   * `format`, because each output line is its input line joined with the prediction.
   * @default - the schedule's format: 'text/csv' for csv, 'application/jsonlines' for jsonl
   */
  readonly contentType?: TransformContentType;
  /** Longest the job may run, in seconds, before the run fails. @default 86400 (1 day) */
  readonly maxRuntimeSeconds?: number;
}

export const TRANSFORM_DEFAULTS = {
  /** CPU instances for serverless-served models, which SageMaker only runs on CPU. */
  serverlessInstanceType: 'ml.m5.xlarge',
  instanceCount: 1,
  maxPayloadMb: 6,
  batchStrategy: 'MultiRecord',
  maxRuntimeSeconds: 86_400,
} as const;

/** The content type a schedule's output format means, for both the input lines and the output lines. */
export const CONTENT_TYPES: Readonly<Record<'csv' | 'jsonl', TransformContentType>> = { csv: 'text/csv', jsonl: 'application/jsonlines' };

/** Every setting of a transform schedule, defaults filled in from the config and the model's serving. */
export interface ResolvedTransform {
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly maxPayloadMb: number;
  readonly maxConcurrentTransforms?: number;
  readonly batchStrategy: 'MultiRecord' | 'SingleRecord';
  readonly contentType: TransformContentType;
  readonly maxRuntimeSeconds: number;
}

export function resolveTransform(transform: BatchTransformConfig = {}, format: 'csv' | 'jsonl', serving: ServingConfig | undefined): ResolvedTransform {
  const own = serving?.kind === 'sagemaker' && !serving.serverless ? (serving.instanceType ?? SAGEMAKER_DEFAULTS.instanceType) : TRANSFORM_DEFAULTS.serverlessInstanceType;
  return {
    instanceType: transform.instanceType ?? own,
    instanceCount: transform.instanceCount ?? TRANSFORM_DEFAULTS.instanceCount,
    maxPayloadMb: transform.maxPayloadMb ?? TRANSFORM_DEFAULTS.maxPayloadMb,
    ...(transform.maxConcurrentTransforms !== undefined && { maxConcurrentTransforms: transform.maxConcurrentTransforms }),
    batchStrategy: transform.batchStrategy ?? TRANSFORM_DEFAULTS.batchStrategy,
    contentType: transform.contentType ?? CONTENT_TYPES[format],
    maxRuntimeSeconds: transform.maxRuntimeSeconds ?? TRANSFORM_DEFAULTS.maxRuntimeSeconds,
  };
}

const INSTANCE_TYPE = /^ml\.[a-z0-9]+\.[a-z0-9]+$/;

/** The schedule fields `checkTransformSchedule` reads. */
interface TransformSchedule {
  readonly format?: string;
  readonly idColumn?: string;
  readonly chunkBytes?: number;
  readonly toleratedFailurePercentage?: number;
  readonly engine?: string;
  readonly transform?: BatchTransformConfig;
}

/**
 * Checks a schedule's `transform` options, and the schedule fields that have no meaning for Batch
 * Transform, naming every offending prop (`path` is `batch.schedules[i]`): into `problems` (as
 * `validateConfig` gathers them), or thrown when none is given.
 */
export function checkTransformSchedule(path: string, schedule: TransformSchedule, problems?: Problems): void {
  gathering(problems, (p) => {
    if (schedule.engine !== 'sagemaker-batch-transform') {
      // An unknown engine is named by the schedule's own checks.
      if ((schedule.engine ?? 'lambda') === 'lambda') p.must(schedule.transform === undefined, `${path}.transform only applies with ${path}.engine 'sagemaker-batch-transform'`);
      return;
    }
    p.must(schedule.format !== 'parquet', `${path}.format 'parquet' is not supported by Batch Transform, which splits its input by line: use 'csv' or 'jsonl', or engine 'lambda'`);
    for (const key of ['idColumn', 'chunkBytes', 'toleratedFailurePercentage'] as const) {
      p.must(
        schedule[key] === undefined,
        `${path}.${key} does not apply to engine 'sagemaker-batch-transform' (each output line is its whole input line joined with the prediction; SageMaker splits the work by object)`,
      );
    }
    const t = schedule.transform ?? {};
    const at = `${path}.transform`;
    p.must(t.instanceType === undefined || INSTANCE_TYPE.test(t.instanceType), `${at}.instanceType must be a SageMaker instance type such as 'ml.m5.xlarge', got ${JSON.stringify(t.instanceType)}`);
    p.check(() => checkInteger(`${at}.instanceCount`, t.instanceCount, [1, 100]));
    // SageMaker's bound on MaxPayloadInMB; 0 (unbounded streaming) is left out: it cannot be split by line.
    const payloadOk = p.check(() => checkInteger(`${at}.maxPayloadMb`, t.maxPayloadMb, [1, 100]));
    const concurrencyOk = p.check(() => checkInteger(`${at}.maxConcurrentTransforms`, t.maxConcurrentTransforms, [1, 1000]));
    const payload = t.maxPayloadMb ?? TRANSFORM_DEFAULTS.maxPayloadMb;
    p.must(
      !payloadOk || !concurrencyOk || t.maxConcurrentTransforms === undefined || payload * t.maxConcurrentTransforms <= 100,
      `${at}.maxConcurrentTransforms times maxPayloadMb must be at most 100 (SageMaker's limit), got ${t.maxConcurrentTransforms} x ${payload}`,
    );
    p.must(
      t.batchStrategy === undefined || ['MultiRecord', 'SingleRecord'].includes(t.batchStrategy),
      `${at}.batchStrategy must be one of 'MultiRecord', 'SingleRecord', got ${JSON.stringify(t.batchStrategy)}`,
    );
    const contentTypeKnown =
      t.contentType === undefined ||
      p.must(
        Object.values(CONTENT_TYPES).includes(t.contentType),
        `${at}.contentType must be one of 'text/csv', 'application/jsonlines' (Batch Transform splits by line; Parquet cannot be), got ${JSON.stringify(t.contentType)}`,
      );
    const format = schedule.format ?? 'csv';
    // An unknown format, or Parquet, is named above.
    if (t.contentType !== undefined && contentTypeKnown && (format === 'csv' || format === 'jsonl')) {
      p.must(
        t.contentType === CONTENT_TYPES[format],
        `${at}.contentType '${t.contentType}' must match ${path}.format '${format}' ('${CONTENT_TYPES[format]}'): each output line is its input line joined with the prediction`,
      );
    }
    p.check(() => checkInteger(`${at}.maxRuntimeSeconds`, t.maxRuntimeSeconds, [60, 172_800]));
  });
}
