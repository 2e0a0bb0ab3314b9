import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { parsePackage } from '../functions/core/package-file.ts';
import { HandlerFunction, PROJECT_ROOT } from './handler-function.ts';
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
}

/** Fails the synth when a model.json is unreadable, breaks the schema or names another model. */
function checkModelJson(name: string, path: string): void {
  let text: string;
  try {
    text = readFileSync(join(PROJECT_ROOT, path), 'utf8');
  } catch {
    throw new Error(`models ${name}: serving.modelJson ${path} cannot be read`);
  }
  const pkg = parsePackage(text, path);
  if (pkg.name !== name) throw new Error(`models ${name}: serving.modelJson ${path} holds model ${pkg.name}`);
}

/**
 * The Lambda function behind `/models/{name}` and `/v2/models/{name}` of SageMaker-served models:
 * validates against each model.json (bundled into the asset) and calls InvokeEndpoint, which it
 * may do on exactly these endpoints.
 */
export class SageMakerInvokeFunction extends HandlerFunction {
  constructor(scope: Construct, id: string, props: SageMakerInvokeFunctionProps) {
    for (const m of props.models) checkModelJson(m.name, m.serving.modelJson);
    const timeout = Math.max(...props.models.map((m) => m.serving.timeoutSeconds ?? SAGEMAKER_DEFAULTS.timeoutSeconds));
    super(scope, id, {
      entry: 'functions/sagemaker/invoke.ts',
      serviceName: 'sagemaker-invoke',
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
            modelJson: `/var/task/sagemaker-models/${m.name}/model.json`,
            timeoutMs: (m.serving.timeoutSeconds ?? SAGEMAKER_DEFAULTS.timeoutSeconds) * 1000,
          })),
        ),
        MAX_BATCH: String(props.maxBatch ?? 1000),
        MAX_BODY_BYTES: String(props.maxBodyBytes ?? 1024 * 1024),
      },
      afterBundling: (inputDir, outputDir) =>
        props.models.flatMap((m) => [`mkdir -p "${outputDir}/sagemaker-models/${m.name}"`, `cp "${inputDir}/${m.serving.modelJson}" "${outputDir}/sagemaker-models/${m.name}/model.json"`]),
    });
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['sagemaker:InvokeEndpoint'],
        resources: props.models.map((m) => `arn:${Aws.PARTITION}:sagemaker:${Aws.REGION}:${Aws.ACCOUNT_ID}:endpoint/${m.endpointName.toLowerCase()}`),
      }),
    );
  }
}
