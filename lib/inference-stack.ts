import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { BatchScoring } from './batch-scoring.ts';
import { BatchTransform } from './batch-transform.ts';
import { type BatchConfig, type InferenceConfig, type MonitoringConfig, validateConfig } from './config.ts';
import { DataBucket } from './data-bucket.ts';
import { InferenceApi } from './inference-api.ts';
import { GradualRollout, type ModelGuards } from './gradual-rollout.ts';
import { resolveModelThresholds, RolloutGuardAlarms } from './model-alarms.ts';
import { ModelMetrics, monitoredModel } from './model-metrics.ts';
import { MONITORING_PREFIXES, Monitoring, monitoringBucket } from './monitoring.ts';
import { PredictFunction } from './predict-function.ts';
import { RetrainingPipeline } from './retraining-pipeline.ts';
import { isSageMaker, lambdaModels } from './sagemaker-config.ts';
import { SageMakerServing } from './sagemaker-serving.ts';

export interface InferenceStackProps extends StackProps {
  /** The validated deployment config (`inference.config.ts`). */
  readonly config: InferenceConfig;
}

/** Everything one config describes: the predict function behind the HTTPS API, and batch scoring when configured. */
export class InferenceStack extends Stack {
  readonly predict: PredictFunction;
  readonly api: InferenceApi;
  readonly batch?: BatchScoring;
  /** Batch Transform state machines and schedules, when a batch schedule has engine 'sagemaker-batch-transform'. */
  readonly batchTransform?: BatchTransform;
  readonly monitoring?: Monitoring;
  readonly rollout?: GradualRollout;
  /** The retraining state machine (lib/retraining-pipeline.ts), when `retraining` is configured; drift alarms start it. */
  readonly retraining?: RetrainingPipeline;
  /** SageMaker endpoints and their invoke function, when a model is served by SageMaker. */
  readonly sagemaker?: SageMakerServing;

  constructor(scope: Construct, id: string, props: InferenceStackProps) {
    super(scope, id, props);
    const { predict = {}, api = {}, batch, monitoring = {}, rollout = {}, ...all } = validateConfig(props.config);
    // The predict function, batch, monitoring and rollouts see the Lambda-served models; SageMaker serves the rest.
    const config = { ...all, models: lambdaModels(all.models) };
    const monitored = monitoring.enabled !== false;
    const monitoringData = monitored ? monitoringBucket(this, 'MonitoringData', monitoring.bucket) : undefined;
    const captureConfig = monitoring.capture ?? {};
    // Both serving functions capture alike, so the monitoring jobs read every model's requests the same way.
    const capture =
      monitoringData && captureConfig.enabled !== false
        ? { bucket: monitoringData, prefix: MONITORING_PREFIXES.captures, sampleRate: captureConfig.sampleRate, features: captureConfig.features }
        : undefined;

    this.predict = new PredictFunction(this, 'Predict', {
      models: config.models,
      memorySize: predict.memorySize,
      architecture: predict.architecture === 'x86_64' ? Architecture.X86_64 : Architecture.ARM_64,
      reservedConcurrency: predict.reservedConcurrency,
      timeout: predict.timeoutSeconds === undefined ? undefined : Duration.seconds(predict.timeoutSeconds),
      intraOpNumThreads: predict.intraOpNumThreads,
      maxBatch: predict.maxBatch,
      maxBodyBytes: predict.maxBodyBytes,
      logRetention: predict.logRetentionDays as RetentionDays | undefined,
      logLevel: predict.logLevel,
      metricsNamespace: config.metricsNamespace,
      capture,
    });

    this.api = new InferenceApi(this, 'Api', {
      handler: this.predict.alias,
      auth: api.auth,
      throttling: api.throttling,
      quota: api.quota,
      accessLogRetention: api.accessLogRetentionDays as RetentionDays | undefined,
      cloudWatchRole: api.cloudWatchRole,
    });

    // RestApi's own output has a hashed logical id; ApiUrl replaces it with a stable name.
    this.api.api.node.tryRemoveChild('Endpoint');
    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the inference API', value: this.api.api.url });
    new CfnOutput(this, 'PredictFunctionName', { value: this.predict.function.functionName });
    new CfnOutput(this, 'PredictAliasArn', { description: 'The alias the API invokes and rollouts shift', value: this.predict.alias.functionArn });
    if (this.api.apiKey) {
      new CfnOutput(this, 'ApiKeyId', { description: 'aws apigateway get-api-key --include-value --api-key <id>', value: this.api.apiKey.keyId });
    }
    if (all.models.some(isSageMaker)) {
      this.sagemaker = new SageMakerServing(this, 'SageMaker', {
        models: all.models,
        api: this.api,
        rollout,
        captureBucket: monitoringData,
        capture,
        thresholds: monitoring.alarms,
        maxBatch: predict.maxBatch,
        maxBodyBytes: predict.maxBodyBytes,
        logRetention: predict.logRetentionDays as RetentionDays | undefined,
        logLevel: predict.logLevel,
        metricsNamespace: config.metricsNamespace,
      });
    }
    if (batch) [this.batch, this.batchTransform] = this.batchScoring(batch, config, all.models);
    if (config.retraining) {
      this.retraining = new RetrainingPipeline(this, 'Retraining', {
        config: config.retraining,
        architecture: predict.architecture,
        logLevel: predict.logLevel,
        metricsNamespace: config.metricsNamespace,
      });
      new CfnOutput(this, 'RetrainingPipelineArn', { description: 'The retraining state machine: start it with {"model": "<name>"}', value: this.retraining.stateMachine.stateMachineArn });
    }
    if (monitoringData) {
      this.monitoring = new Monitoring(this, 'Monitoring', {
        config: monitoring,
        retrainingPipeline: this.retraining && config.retraining && { stateMachine: this.retraining.stateMachine, model: config.retraining.model },
        endpoints: this.sagemaker?.endpoints,
        models: all.models,
        metricsNamespace: config.metricsNamespace,
        bucket: monitoringData,
        predict: this.predict,
        reservedConcurrency: predict.reservedConcurrency,
        batchStateMachine: this.batch?.stateMachine,
        transformStateMachines: Object.values(this.batchTransform?.jobs ?? {}).map((job) => job.stateMachine),
      });
    }
    if (rollout.enabled !== false) {
      this.rollout = new GradualRollout(this, 'Rollout', {
        predict: this.predict,
        models: config.models,
        policy: rollout,
        guards: this.rolloutGuards(config, monitoring, rollout.alarms),
        logRetention: predict.logRetentionDays as RetentionDays | undefined,
        metricsNamespace: config.metricsNamespace,
      });
      new CfnOutput(this, 'DeploymentGroupName', { description: 'CodeDeploy deployment group of the live alias', value: this.rollout.deploymentGroup.deploymentGroupName });
    }
  }

  /**
   * The alarms a rollout may watch: monitoring's own when it is deployed; otherwise each model's
   * 5xx-rate and p99-latency alarms alone (no notification, no quality: no label job runs).
   */
  private rolloutGuards(config: Pick<InferenceConfig, 'models' | 'metricsNamespace'>, monitoring: MonitoringConfig, watch: { errors?: boolean; latencyP99?: boolean } = {}): Record<string, ModelGuards> {
    if (this.monitoring) return this.monitoring.modelAlarms;
    if (watch.errors === false && watch.latencyP99 === false) return {};
    return Object.fromEntries(
      config.models.map((model, i) => {
        const metrics = new ModelMetrics(config.metricsNamespace ?? 'ServerlessInference', monitoredModel(`models[${i}]`, model));
        const alarms = new RolloutGuardAlarms(this, `RolloutAlarms-${model.name}`, { metrics, thresholds: resolveModelThresholds(monitoring.alarms ?? {}, metrics) });
        return [model.name, { serving: alarms.serving, quality: [] }];
      }),
    );
  }

  /** The Lambda batch path, and Batch Transform for the schedules that ask for it, over one data bucket. */
  private batchScoring(batch: BatchConfig, config: Pick<InferenceConfig, 'models' | 'metricsNamespace'>, allModels: InferenceConfig['models']): [BatchScoring, BatchTransform | undefined] {
    const { bucket = {}, worker = {}, ...rest } = batch;
    const schedules = rest.schedules ?? [];
    const transformSchedules = schedules.filter((s) => s.engine === 'sagemaker-batch-transform');
    const dataBucket =
      bucket.existingBucketName === undefined
        ? new DataBucket(this, 'BatchData', bucket).bucket
        : Bucket.fromBucketName(this, 'BatchData', bucket.existingBucketName);
    const scoring = new BatchScoring(this, 'Batch', {
      bucket: dataBucket,
      inputPrefix: bucket.inputPrefix,
      outputPrefix: bucket.outputPrefix,
      models: config.models,
      workerMemorySize: worker.memorySize,
      workerArchitecture: worker.architecture === 'x86_64' ? Architecture.X86_64 : Architecture.ARM_64,
      workerTimeout: worker.timeoutSeconds === undefined ? undefined : Duration.seconds(worker.timeoutSeconds),
      maxConcurrency: worker.maxConcurrency,
      chunksPerInvocation: worker.chunksPerInvocation,
      intraOpNumThreads: worker.intraOpNumThreads,
      maxBatch: worker.maxBatch,
      retry: worker.retry && {
        maxAttempts: worker.retry.maxAttempts,
        backoffRate: worker.retry.backoffRate,
        interval: worker.retry.intervalSeconds === undefined ? undefined : Duration.seconds(worker.retry.intervalSeconds),
      },
      chunkBytes: rest.chunkBytes,
      toleratedFailurePercentage: rest.toleratedFailurePercentage,
      logRetention: rest.logRetentionDays as RetentionDays | undefined,
      metricsNamespace: config.metricsNamespace,
      schedules: schedules.filter((s) => s.engine !== 'sagemaker-batch-transform'),
    });
    new CfnOutput(this, 'BatchStateMachineArn', { description: 'Start a batch job: input {"job": {...}}', value: scoring.stateMachine.stateMachineArn });
    new CfnOutput(this, 'BatchDataBucketName', { description: 'Batch inputs and outputs', value: dataBucket.bucketName });
    if (transformSchedules.length === 0) return [scoring, undefined];
    // validateConfig has checked that these schedules name SageMaker-served models, whose endpoints exist by now.
    const models = Object.fromEntries(
      allModels.filter(isSageMaker).filter((m) => transformSchedules.some((s) => s.model === m.name)).map((model) => {
        const { model: transformModel, role } = this.sagemaker!.endpoints[model.name]!.transformModel();
        return [model.name, { config: model, modelName: transformModel.attrModelName, role }];
      }),
    );
    const transform = new BatchTransform(this, 'BatchTransform', {
      bucket: dataBucket,
      inputPrefix: bucket.inputPrefix,
      outputPrefix: bucket.outputPrefix,
      schedules: transformSchedules,
      models,
      logRetention: rest.logRetentionDays as RetentionDays | undefined,
      metricsNamespace: config.metricsNamespace,
    });
    return [scoring, transform];
  }
}
