import { CfnOutput } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { ModelAlarmThresholds, ModelConfig, RolloutConfig } from './config.ts';
import type { InferenceApi } from './inference-api.ts';
import type { RequestCapture } from './request-capture.ts';
import { SageMakerInvokeFunction } from './sagemaker-api.ts';
import { isSageMaker } from './sagemaker-config.ts';
import { SageMakerEndpoint } from './sagemaker-endpoint.ts';

export interface SageMakerServingProps {
  /** Every configured model; those with `serving.kind 'sagemaker'` get an endpoint. */
  readonly models: readonly ModelConfig[];
  /** The API whose `/models/{name}` and `/v2/models/{name}` of those models go to the invoke function. */
  readonly api: InferenceApi;
  /** The rollout policy, mapped onto each endpoint's deployment guardrails. @default - the canary default */
  readonly rollout?: RolloutConfig;
  /** Where data capture writes (under `sagemaker-captures/<name>`). @default - each endpoint's own encrypted bucket */
  readonly captureBucket?: IBucket;
  /** Sampled request capture by the invoke function, in the predict function's record format (drift and label-quality monitoring). @default - no capture */
  readonly capture?: RequestCapture;
  /** Alarm thresholds (p99 latency, 5xx rate), overridden per model name. @default - 1000 ms, 1% */
  readonly thresholds?: ModelAlarmThresholds & { readonly models?: Readonly<Record<string, ModelAlarmThresholds>> };
  readonly maxBatch?: number;
  readonly maxBodyBytes?: number;
  readonly logRetention?: RetentionDays;
  readonly logLevel?: string;
  readonly metricsNamespace?: string;
}

/** The SageMaker-served models: one endpoint each, and the invoke function the API routes them to. */
export class SageMakerServing extends Construct {
  readonly endpoints: Record<string, SageMakerEndpoint> = {};
  readonly invoke: SageMakerInvokeFunction;

  constructor(scope: Construct, id: string, props: SageMakerServingProps) {
    super(scope, id);
    const models = props.models.filter(isSageMaker);
    for (const model of models) {
      const t = { ...props.thresholds, ...props.thresholds?.models?.[model.name] };
      this.endpoints[model.name] = new SageMakerEndpoint(this, `Endpoint-${model.name}`, {
        name: model.name,
        serving: model.serving,
        rollout: props.rollout,
        captureBucket: props.captureBucket,
        latencyP99Ms: t.latencyP99Ms,
        serverErrorRatePercent: t.serverErrorRatePercent,
      });
      new CfnOutput(this, `EndpointName-${model.name}`, { description: `SageMaker endpoint of ${model.name}`, value: this.endpoints[model.name]!.endpointName });
    }
    this.invoke = new SageMakerInvokeFunction(this, 'Invoke', {
      models: models.map((m) => ({ name: m.name, serving: m.serving, endpointName: this.endpoints[m.name]!.endpointName })),
      maxBatch: props.maxBatch,
      maxBodyBytes: props.maxBodyBytes,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      metricsNamespace: props.metricsNamespace,
      capture: props.capture,
    });
    props.api.routeModels(
      models.map((m) => m.name),
      this.invoke.function,
    );
  }
}
