/**
 * The config of models served from SageMaker endpoints instead of the predict function. Plain data
 * with no CDK types, like `config.ts`, which adds `serving` to each model.
 */
import { checkInteger } from './config-checks.ts';
import { gathering, type Problems } from './problems.ts';

/** A model served by the predict function (onnxruntime-node in Lambda). */
export interface LambdaServing {
  readonly kind: 'lambda';
}

/** Serverless inference instead of instances: CPU only, billed per request, scales to zero. */
export interface SageMakerServerlessConfig {
  /** Memory of each worker in MB: 1024, 2048, 3072, 4096, 5120 or 6144. */
  readonly memoryMb: number;
  /** Concurrent invocations the endpoint serves (1 to 200). */
  readonly maxConcurrency: number;
}

/** One production variant of an A/B test on the endpoint: another model data archive with a share of the traffic. */
export interface SageMakerVariantConfig {
  /** Variant name (letters, digits and dashes, at most 63); the primary is 'primary'. */
  readonly name: string;
  /** `s3://bucket/key/model.tar.gz` of this variant. */
  readonly modelData: string;
  /** Container image of this variant. @default - the model's `image` */
  readonly image?: string;
  /** Relative weight of the variant's traffic; the primary has weight 1. */
  readonly weight: number;
}

/** Subnets and security groups the model's containers run in. */
export interface SageMakerVpcConfig {
  /** Private subnet ids (at least one, at most 16). */
  readonly subnetIds: readonly string[];
  /** Security group ids (at least one, at most 5). */
  readonly securityGroupIds: readonly string[];
}

/** A model served by a SageMaker real-time endpoint (GPU instances, or serverless for CPU models). */
export interface SageMakerServing {
  readonly kind: 'sagemaker';
  /** The inference container image: an ECR URI `<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>` (or `@sha256:...`). */
  readonly image: string;
  /** The model data archive: `s3://bucket/key/model.tar.gz`; the endpoint's role may read this object only. */
  readonly modelData: string;
  /**
   * Repo-relative path of the `model.json` whose schema validates every request (the same checks
   * as the Lambda path) and whose card `GET /models/{name}` answers.
   */
  readonly modelJson: string;
  /** Instance type of the variants. @default 'ml.g5.xlarge' (one NVIDIA A10G GPU) */
  readonly instanceType?: string;
  /** Instances the endpoint scales in to (at least 1). @default 1 */
  readonly minInstances?: number;
  /** Instances the endpoint scales out to. @default 2 */
  readonly maxInstances?: number;
  /** Invocations per instance per minute that autoscaling aims at. @default 100 */
  readonly targetInvocationsPerInstance?: number;
  /** Serverless inference instead of instances (CPU models; no GPU, no autoscaling, no guardrails). @default - instances */
  readonly serverless?: SageMakerServerlessConfig;
  /** Percent of requests and responses SageMaker data capture writes to S3 (0 turns capture off). @default 10 */
  readonly dataCaptureSamplePercent?: number;
  /** Other variants taking a weighted share of the traffic (an A/B test on the endpoint). @default - the primary alone */
  readonly variants?: readonly SageMakerVariantConfig[];
  /** Run the containers in these subnets (network isolation from the internet). @default - no VPC */
  readonly vpc?: SageMakerVpcConfig;
  /** Seconds the invoke function waits for the endpoint before answering 504. @default 25 */
  readonly timeoutSeconds?: number;
  /** p99 OverheadLatency (SageMaker's own time around the container's, ms) above which the endpoint's overhead alarm fires. @default 100 */
  readonly overheadLatencyP99Ms?: number;
}

export type ServingConfig = LambdaServing | SageMakerServing;

export const SAGEMAKER_DEFAULTS = {
  instanceType: 'ml.g5.xlarge',
  minInstances: 1,
  maxInstances: 2,
  targetInvocationsPerInstance: 100,
  dataCaptureSamplePercent: 10,
  timeoutSeconds: 25,
  overheadLatencyP99Ms: 100,
} as const;

interface ServedModel {
  readonly name: string;
  readonly serving?: ServingConfig;
}

/** Whether a model is served by a SageMaker endpoint. */
export const isSageMaker = <M extends ServedModel>(model: M): model is M & { serving: SageMakerServing } => model.serving?.kind === 'sagemaker';

/** The models the predict function serves (everything not on SageMaker). */
export const lambdaModels = <M extends ServedModel>(models: readonly M[]): M[] => models.filter((m) => !isSageMaker(m));

const ECR_IMAGE = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/[a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9._-]{1,128}|@sha256:[0-9a-f]{64})$/;
const MODEL_DATA = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[^*?]*[^*?/]\.tar\.gz$/;
const MODEL_JSON = /^(?:[A-Za-z0-9_][A-Za-z0-9._-]*\/)*model\.json$/;
const INSTANCE_TYPE = /^ml\.[a-z0-9]+\.[a-z0-9]+$/;
const VARIANT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const SERVERLESS_MEMORY = [1024, 2048, 3072, 4096, 5120, 6144];

/**
 * Checks every model's `serving`, and that each batch schedule's engine can serve its model: Lambda
 * workers load Lambda-served models, Batch Transform runs SageMaker-served ones. Every offending prop
 * is named: into `problems` (as `validateConfig` gathers them), or thrown when none is given.
 */
export function checkServing(
  config: { readonly models: readonly ServedModel[]; readonly batch?: { readonly schedules?: readonly { readonly model: string; readonly engine?: string }[] } },
  problems?: Problems,
): void {
  gathering(problems, (p) => {
    config.models.forEach((model, i) => {
      const path = `models[${i}].serving`;
      const serving = model.serving;
      if (serving === undefined || serving.kind === 'lambda') return;
      // The rest reads a SageMaker serving's fields.
      if (!p.must(serving.kind === 'sagemaker', `${path}.kind must be 'lambda' or 'sagemaker', got ${JSON.stringify((serving as { kind: unknown }).kind)}`)) return;
      p.must(ECR_IMAGE.test(serving.image ?? ''), `${path}.image must be an ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>), got ${JSON.stringify(serving.image)}`);
      p.must(MODEL_DATA.test(serving.modelData ?? ''), `${path}.modelData must be an s3://bucket/key.tar.gz object URI, got ${JSON.stringify(serving.modelData)}`);
      p.must(
        MODEL_JSON.test(serving.modelJson ?? '') && !serving.modelJson.split('/').includes('..'),
        `${path}.modelJson must be a repo-relative path ending in model.json, got ${JSON.stringify(serving.modelJson)}`,
      );
      p.must(
        serving.instanceType === undefined || INSTANCE_TYPE.test(serving.instanceType),
        `${path}.instanceType must be a SageMaker instance type such as 'ml.g5.xlarge', got ${JSON.stringify(serving.instanceType)}`,
      );
      const minOk = p.check(() => checkInteger(`${path}.minInstances`, serving.minInstances, [1, 100]));
      const maxOk = p.check(() => checkInteger(`${path}.maxInstances`, serving.maxInstances, [1, 100]));
      const min = serving.minInstances ?? SAGEMAKER_DEFAULTS.minInstances;
      const max = serving.maxInstances ?? Math.max(min, SAGEMAKER_DEFAULTS.maxInstances);
      if (minOk && maxOk) p.must(max >= min, `${path}.maxInstances (${max}) must be at least minInstances (${min})`);
      p.check(() => checkInteger(`${path}.targetInvocationsPerInstance`, serving.targetInvocationsPerInstance, [1, 1_000_000]));
      p.check(() => checkInteger(`${path}.dataCaptureSamplePercent`, serving.dataCaptureSamplePercent, [0, 100]));
      p.check(() => checkInteger(`${path}.timeoutSeconds`, serving.timeoutSeconds, [1, 28]));
      const overhead = serving.overheadLatencyP99Ms;
      p.must(
        overhead === undefined || (typeof overhead === 'number' && overhead > 0 && overhead <= 60_000),
        `${path}.overheadLatencyP99Ms must be a number of milliseconds above 0 and at most 60000, got ${overhead}`,
      );
      const serverless = serving.serverless;
      if (serverless !== undefined) {
        for (const key of ['instanceType', 'minInstances', 'maxInstances', 'targetInvocationsPerInstance'] as const) {
          p.must(serving[key] === undefined, `${path}.${key} does not apply with ${path}.serverless (serverless endpoints have no instances)`);
        }
        p.must(SERVERLESS_MEMORY.includes(serverless.memoryMb), `${path}.serverless.memoryMb must be one of ${SERVERLESS_MEMORY.join(', ')}, got ${serverless.memoryMb}`);
        p.check(() => checkInteger(`${path}.serverless.maxConcurrency`, serverless.maxConcurrency, [1, 200]));
        p.must(!serving.variants?.length, `${path}.variants are not supported with ${path}.serverless`);
      }
      const names = new Set(['primary']);
      (serving.variants ?? []).forEach((variant, j) => {
        const at = `${path}.variants[${j}]`;
        if (p.must(VARIANT_NAME.test(variant.name ?? ''), `${at}.name must be letters, digits and dashes (at most 63), got ${JSON.stringify(variant.name)}`)) {
          p.must(!names.has(variant.name), `${at}.name ${variant.name} is used twice (the primary is 'primary')`);
          names.add(variant.name);
        }
        p.must(MODEL_DATA.test(variant.modelData ?? ''), `${at}.modelData must be an s3://bucket/key.tar.gz object URI, got ${JSON.stringify(variant.modelData)}`);
        p.must(variant.image === undefined || ECR_IMAGE.test(variant.image), `${at}.image must be an ECR image URI, got ${JSON.stringify(variant.image)}`);
        p.must(typeof variant.weight === 'number' && variant.weight > 0 && variant.weight <= 1000, `${at}.weight must be a number above 0 and at most 1000, got ${variant.weight}`);
      });
      if (serving.vpc !== undefined) {
        const { subnetIds, securityGroupIds } = serving.vpc;
        p.must(
          Array.isArray(subnetIds) && subnetIds.length >= 1 && subnetIds.length <= 16 && subnetIds.every((s) => /^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(s)),
          `${path}.vpc.subnetIds must list 1 to 16 subnet ids (subnet-...), got ${JSON.stringify(subnetIds)}`,
        );
        p.must(
          Array.isArray(securityGroupIds) && securityGroupIds.length >= 1 && securityGroupIds.length <= 5 && securityGroupIds.every((s) => /^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(s)),
          `${path}.vpc.securityGroupIds must list 1 to 5 security group ids (sg-...), got ${JSON.stringify(securityGroupIds)}`,
        );
      }
    });
    p.must(
      lambdaModels(config.models).length > 0,
      `models must include at least one Lambda-served model (serving kind 'lambda'): the predict function serves the rest of the API`,
    );
    (config.batch?.schedules ?? []).forEach((schedule, i) => {
      const model = config.models.find((m) => m.name === schedule.model);
      if (!model) return;
      const engine = schedule.engine ?? 'lambda';
      p.must(
        !(isSageMaker(model) && engine === 'lambda'),
        `batch.schedules[${i}].model ${schedule.model} is served by SageMaker: the Lambda batch workers cannot load it (use engine 'sagemaker-batch-transform')`,
      );
      p.must(
        !(!isSageMaker(model) && engine === 'sagemaker-batch-transform'),
        `batch.schedules[${i}].engine 'sagemaker-batch-transform' needs a SageMaker-served model, but ${schedule.model} is served by Lambda (use engine 'lambda')`,
      );
    });
  });
}
