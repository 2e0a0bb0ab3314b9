import { Aws, Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { HandlerFunction } from './handler-function.ts';
import { checkModelJson, copyModelJsons, modelJsonPath } from './model-json.ts';
import { SERVICES } from './model-metrics.ts';
import { captureEnvironment, grantCapture, type RequestCapture } from './request-capture.ts';
import { SAGEMAKER_DEFAULTS, type SageMakerServing } from './sagemaker-config.ts';

export interface SageMakerInvokeFunctionProps {
  /** The SageMaker-served models and their endpoints' names. */
  readonly models: readonly { readonly name: string; readonly serving: SageMakerServing; readonly endpointName: string }[];
  /** Memory in MB (it only validates JSON and waits on the endpoint). @default 512 */
  readonly memorySize?: number;
  /** Largest number of instances accepted in one request. @default 1000 */
  readonly maxBatch?: number;
  /** Largest request body in bytes. @default 1048576 */
  readonly maxBodyBytes?: number;
  /** Function log retention. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Powertools log level. @default 'INFO' */
  readonly logLevel?: string;
  /** CloudWatch namespace of the EMF metrics. @default 'ServerlessInference' */
  readonly metricsNamespace?: string;
  /** Sampled request capture to S3, as the predict function's, for drift and label-quality monitoring. @default - no capture */
  readonly capture?: RequestCapture;
}

/**
 * The Lambda function behind `/models/{name}` and `/v2/models/{name}` of SageMaker-served models:
 * validates against each model.json (bundled into the asset) and calls InvokeEndpoint, which it
 * may do on exactly these endpoints; with `capture`, samples requests to S3 as the predict function does.
 */
export class SageMakerInvokeFunction extends HandlerFunction {
  constructor(scope: Construct, id: string, props: SageMakerInvokeFunctionProps) {
    for (const m of props.models) checkModelJson({ name: m.name, modelJson: m.serving.modelJson });
    const timeout = Math.max(...props.models.map((m) => m.serving.timeoutSeconds ?? SAGEMAKER_DEFAULTS.timeoutSeconds));
    super(scope, id, {
      entry: 'functions/sagemaker/invoke.ts',
      serviceName: SERVICES.invoke,
      memorySize: props.memorySize ?? 512,
      // One second past the longest endpoint wait, so the function answers 504 itself.
      timeout: Duration.seconds(Math.min(29, timeout + 1)),
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      metricsNamespace: props.metricsNamespace,
      environment: {
        SAGEMAKER_MODELS: JSON.stringify(
          props.models.map((m) => ({
            name: m.name,
            endpoint: m.endpointName,
            modelJson: modelJsonPath(m.name),
            timeoutMs: (m.serving.timeoutSeconds ?? SAGEMAKER_DEFAULTS.timeoutSeconds) * 1000,
          })),
        ),
        MAX_BATCH: String(props.maxBatch ?? 1000),
        MAX_BODY_BYTES: String(props.maxBodyBytes ?? 1024 * 1024),
        ...captureEnvironment(props.capture),
      },
      afterBundling: (inputDir, outputDir) => copyModelJsons(props.models.map((m) => ({ name: m.name, modelJson: m.serving.modelJson })), inputDir, outputDir),
    });
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['sagemaker:InvokeEndpoint'],
        resources: props.models.map((m) => `arn:${Aws.PARTITION}:sagemaker:${Aws.REGION}:${Aws.ACCOUNT_ID}:endpoint/${m.endpointName.toLowerCase()}`),
      }),
    );
    if (props.capture) grantCapture(this.role, props.capture);
  }
}
