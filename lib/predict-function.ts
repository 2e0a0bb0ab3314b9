import { Duration } from 'aws-cdk-lib';
import { Alias, type Architecture } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { checkInteger, checkRetention, experimentsSetting, experimentVersions, LIMITS, type ModelConfig } from './config.ts';
import { ModelFunction } from './model-function.ts';
import { SERVICES } from './model-metrics.ts';
import { captureEnvironment, grantCapture, type RequestCapture } from './request-capture.ts';

export interface PredictFunctionProps {
  /** Models to serve; bundled folders are copied into the asset, S3 prefixes are readable by the function. */
  readonly models: readonly ModelConfig[];
  /** Memory in MB. @default 1024 */
  readonly memorySize?: number;
  /** CPU architecture; only this platform's onnxruntime binary is shipped. @default Architecture.ARM_64 */
  readonly architecture?: Architecture;
  /** Reserved concurrency. @default - unreserved */
  readonly reservedConcurrency?: number;
  /** Invocation timeout, at most 29 s (API Gateway's limit). @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** onnxruntime intra-op threads. @default 1 */
  readonly intraOpNumThreads?: number;
  /** Largest number of instances per request. @default 1000 */
  readonly maxBatch?: number;
  /** Largest request body in bytes. @default 1048576 */
  readonly maxBodyBytes?: number;
  /** Function log retention. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Powertools log level. @default 'INFO' */
  readonly logLevel?: string;
  /** Powertools service name (a metrics dimension and a log field). @default 'predict' */
  readonly serviceName?: string;
  /** CloudWatch namespace of the function's metrics. @default 'ServerlessInference' */
  readonly metricsNamespace?: string;
  /** Sampled request capture to S3 for drift and label-quality monitoring. @default - no capture */
  readonly capture?: RequestCapture;
}

/**
 * The Lambda function that serves predictions with onnxruntime-node, published behind the alias
 * `live` so that rollouts can shift traffic between versions.
 */
export class PredictFunction extends ModelFunction {
  /** The alias API Gateway invokes; rollouts move it. */
  readonly alias: Alias;

  constructor(scope: Construct, id: string, props: PredictFunctionProps) {
    checkInteger('memorySize', props.memorySize, LIMITS.memorySize);
    checkInteger('reservedConcurrency', props.reservedConcurrency, LIMITS.reservedConcurrency);
    checkInteger('timeout', props.timeout?.toSeconds(), LIMITS.timeoutSeconds);
    checkInteger('maxBodyBytes', props.maxBodyBytes, LIMITS.maxBodyBytes);
    checkRetention('logRetention', props.logRetention);
    super(scope, id, {
      entry: 'functions/predict/handler.ts',
      models: props.models,
      extraVersions: props.models.flatMap(experimentVersions),
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(10),
      architecture: props.architecture,
      reservedConcurrency: props.reservedConcurrency,
      intraOpNumThreads: props.intraOpNumThreads,
      maxBatch: props.maxBatch,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      serviceName: props.serviceName ?? SERVICES.predict,
      // Cold starts are measured from the JSON platform.report records (monitoring's init duration).
      jsonLogs: true,
      metricsNamespace: props.metricsNamespace,
      environment: {
        MAX_BODY_BYTES: String(props.maxBodyBytes ?? 1024 * 1024),
        ...captureEnvironment(props.capture),
        ...(props.models.some((m) => m.experiment) && { EXPERIMENTS: JSON.stringify(experimentsSetting(props.models)) }),
      },
    });
    if (props.capture) grantCapture(this.role, props.capture);
    this.alias = new Alias(this, 'Live', { aliasName: 'live', version: this.function.currentVersion });
  }
}
