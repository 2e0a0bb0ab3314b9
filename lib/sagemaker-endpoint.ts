import { Aws, Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import { CfnScalableTarget, CfnScalingPolicy } from 'aws-cdk-lib/aws-applicationautoscaling';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { CfnEndpoint, CfnEndpointConfig, CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { RolloutConfig } from './config.ts';
import { monitoringBucket } from './monitoring.ts';
import { acknowledgeWildcardResources } from './nag.ts';
import { SAGEMAKER_DEFAULTS, type SageMakerServing } from './sagemaker-config.ts';

export interface SageMakerEndpointProps {
  /** The model's name (the API's `{name}`). */
  readonly name: string;
  /** How SageMaker serves it (validated by `validateConfig`). */
  readonly serving: SageMakerServing;
  /** The rollout policy, mapped onto deployment guardrails (see `RolloutConfig`). @default - the canary default: 10% for 5 minutes, both alarms, automatic rollback */
  readonly rollout?: RolloutConfig;
  /** Bucket data capture writes to (under `capturePrefix`). @default - a KMS-encrypted bucket of the endpoint's own */
  readonly captureBucket?: IBucket;
  /** Key prefix of the captured requests in the bucket. @default 'sagemaker-captures/<name>' */
  readonly capturePrefix?: string;
  /** p99 ModelLatency (ms) above which the latency alarm fires (3 periods of 5 minutes). @default 1000 */
  readonly latencyP99Ms?: number;
  /** Percent of invocations answered 5xx above which the error alarm fires (3 periods of 5 minutes). @default 1 */
  readonly serverErrorRatePercent?: number;
}

/** The endpoint's alarms, judged on its primary variant over 3 consecutive 5-minute periods. */
export interface EndpointAlarms {
  /** Invocation5XXErrors as a percent of Invocations; rolls a deployment back. */
  readonly serverErrorRate: Alarm;
  /** p99 ModelLatency; rolls a deployment back. */
  readonly latencyP99: Alarm;
  /** p99 OverheadLatency: SageMaker's time, not the model's, so it notifies and rolls nothing back. */
  readonly overheadLatencyP99: Alarm;
}

/** Instance families with local NVMe storage: hardware-encrypted, and SageMaker refuses a volume KmsKeyId for them. */
const LOCAL_STORAGE = /^ml\.(g4dn|g5|g6|g6e|gr6|p3dn|p4d|p4de|p5|p5e|[cmr]\dd|[cmr]\dad|[cmr]\did|inf2|trn1)\./;

/** `<account>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag|@digest]` -> its repository ARN. */
export function ecrRepositoryArn(image: string): string {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(image);
  if (!match) throw new Error(`not an ECR image URI: ${image}`);
  return `arn:${Aws.PARTITION}:ecr:${match[2]}:${match[1]}:repository/${match[3]}`;
}

const ecrTokenReason = (vpc: boolean) =>
  `ecr:GetAuthorizationToken supports no resource-level permission${vpc ? '; nor do the EC2 network-interface actions SageMaker needs to run the containers in the configured VPC' : ''}.`;

/** `s3://bucket/key` -> the object's ARN. */
const objectArn = (uri: string) => `arn:${Aws.PARTITION}:s3:::${uri.slice('s3://'.length)}`;

/**
 * One SageMaker real-time endpoint for a heavy model: a model per variant (least-privilege
 * execution role), an endpoint config (weighted variants, KMS, data capture), the endpoint with
 * deployment guardrails (blue/green canary or linear, auto-rollback on its own 5xx and latency
 * alarms) and target-tracking autoscaling on invocations per instance. Serverless endpoints get
 * neither autoscaling (SageMaker scales them) nor canary steps (they shift all at once).
 */
export class SageMakerEndpoint extends Construct {
  readonly endpoint: CfnEndpoint;
  readonly endpointConfig: CfnEndpointConfig;
  readonly endpointName: string;
  readonly role: Role;
  readonly #serving: SageMakerServing;
  readonly #primary: { readonly image: string; readonly modelData: string };
  #transform?: { readonly model: CfnModel; readonly role: Role };
  readonly key: Key;
  readonly alarms: EndpointAlarms;
  /** The alarms' thresholds, defaults applied (milliseconds and percent). */
  readonly thresholds: { readonly latencyP99Ms: number; readonly serverErrorRatePercent: number; readonly overheadLatencyP99Ms: number };
  readonly variantNames: readonly string[];

  constructor(scope: Construct, id: string, props: SageMakerEndpointProps) {
    super(scope, id);
    const { name, serving } = props;
    this.#serving = serving;
    const stack = Stack.of(this);
    const serverless = serving.serverless;
    const instanceType = serving.instanceType ?? SAGEMAKER_DEFAULTS.instanceType;
    const minInstances = serving.minInstances ?? SAGEMAKER_DEFAULTS.minInstances;
    const maxInstances = serving.maxInstances ?? Math.max(minInstances, SAGEMAKER_DEFAULTS.maxInstances);
    // A fixed name: the role's log group, the alarms' dimensions and the invoke function's grant name it.
    this.endpointName = `${stack.stackName}-${name}`.slice(0, 63).replace(/-+$/, '');

    this.key = new Key(this, 'Key', { enableKeyRotation: true, description: `${this.endpointName} endpoint storage and data capture` });
    this.role = new Role(this, 'ExecutionRole', {
      assumedBy: new ServicePrincipal('sagemaker.amazonaws.com'),
      description: `SageMaker execution role of endpoint ${this.endpointName}: pulls its image, reads its model data, writes its logs and captures`,
    });
    const variants = [{ name: 'primary', image: serving.image, modelData: serving.modelData, weight: 1 }, ...(serving.variants ?? []).map((v) => ({ ...v, image: v.image ?? serving.image }))];
    this.variantNames = variants.map((v) => v.name);
    this.grantRuntime(this.role, variants);
    const logGroups = `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/sagemaker/Endpoints/${this.endpointName}`;
    this.role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'], resources: [`${logGroups}:*`] }));
    this.role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroups}:log-stream:*`] }));

    const models = variants.map((variant) => this.cfnModel(variant.name === 'primary' ? 'Model' : `Model-${variant.name}`, this.role, variant));
    this.#primary = variants[0]!;

    const capturePercent = serving.dataCaptureSamplePercent ?? SAGEMAKER_DEFAULTS.dataCaptureSamplePercent;
    let dataCaptureConfig: CfnEndpointConfig.DataCaptureConfigProperty | undefined;
    if (!serverless && capturePercent > 0) {
      const bucket = props.captureBucket ?? monitoringBucket(this, 'CaptureBucket', { encryption: 'kms' });
      const prefix = (props.capturePrefix ?? `sagemaker-captures/${name}`).replace(/\/+$/, '');
      const objects = bucket.arnForObjects(`${prefix}/*`);
      this.role.addToPolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [objects] }));
      acknowledgeWildcardResources(this.role, [objects], `SageMaker data capture writes objects it names by time and instance, under this endpoint's own prefix only.`);
      // The bucket's own key, if any, is not used: captures are encrypted with the endpoint's key.
      this.key.grant(this.role, 'kms:Encrypt', 'kms:GenerateDataKey');
      dataCaptureConfig = {
        enableCapture: true,
        initialSamplingPercentage: capturePercent,
        destinationS3Uri: `s3://${bucket.bucketName}/${prefix}`,
        kmsKeyId: this.key.keyArn,
        captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
        captureContentTypeHeader: { jsonContentTypes: ['application/json'] },
      };
    }

    this.endpointConfig = new CfnEndpointConfig(this, 'Config', {
      productionVariants: variants.map((variant, i) => ({
        variantName: variant.name,
        modelName: models[i]!.attrModelName,
        initialVariantWeight: variant.weight,
        ...(serverless
          ? { serverlessConfig: { memorySizeInMb: serverless.memoryMb, maxConcurrency: serverless.maxConcurrency } }
          : { instanceType, initialInstanceCount: minInstances }),
      })),
      ...(!serverless && !LOCAL_STORAGE.test(instanceType) && { kmsKeyId: this.key.keyArn }),
      ...(dataCaptureConfig && { dataCaptureConfig }),
    });
    if (!serverless && !LOCAL_STORAGE.test(instanceType)) this.key.grant(this.role, 'kms:CreateGrant', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');

    this.thresholds = {
      latencyP99Ms: props.latencyP99Ms ?? 1000,
      serverErrorRatePercent: props.serverErrorRatePercent ?? 1,
      overheadLatencyP99Ms: serving.overheadLatencyP99Ms ?? SAGEMAKER_DEFAULTS.overheadLatencyP99Ms,
    };
    this.alarms = this.createAlarms(name);
    this.endpoint = new CfnEndpoint(this, 'Endpoint', {
      endpointName: this.endpointName,
      endpointConfigName: this.endpointConfig.attrEndpointConfigName,
      ...(this.deploymentConfig(props.rollout ?? {}, Boolean(serverless)) ?? {}),
    });

    if (!serverless) {
      for (const variant of variants) this.autoscale(variant.name, minInstances, maxInstances, serving.targetInvocationsPerInstance ?? SAGEMAKER_DEFAULTS.targetInvocationsPerInstance);
    }
    this.acknowledge(Boolean(serving.vpc), logGroups);
  }

  /** The rollout policy as `DeploymentConfig` (the mapping is documented on `RolloutConfig`). */
  private deploymentConfig(rollout: RolloutConfig, serverless: boolean): { deploymentConfig: CfnEndpoint.DeploymentConfigProperty } | undefined {
    if (rollout.enabled === false) return undefined;
    const strategy = serverless ? 'all-at-once' : (rollout.strategy ?? 'canary');
    const percent = rollout.percent ?? 10;
    const wait = Math.min(3600, (rollout.intervalMinutes ?? 5) * 60);
    const step = { type: 'CAPACITY_PERCENT', value: percent };
    const steps = strategy === 'linear' ? Math.ceil(100 / percent) : strategy === 'canary' ? 2 : 1;
    const trafficRoutingConfiguration: CfnEndpoint.TrafficRoutingConfigProperty =
      strategy === 'canary'
        ? { type: 'CANARY', canarySize: step, waitIntervalInSeconds: wait }
        : strategy === 'linear'
          ? { type: 'LINEAR', linearStepSize: step, waitIntervalInSeconds: wait }
          : { type: 'ALL_AT_ONCE', waitIntervalInSeconds: wait };
    const watch = rollout.alarms ?? {};
    const alarms = [...(watch.errors !== false ? [this.alarms.serverErrorRate] : []), ...(watch.latencyP99 !== false ? [this.alarms.latencyP99] : [])];
    return {
      deploymentConfig: {
        blueGreenUpdatePolicy: {
          trafficRoutingConfiguration,
          // The old fleet stays up a wait interval after the shift, so a late alarm can still roll back.
          terminationWaitInSeconds: wait,
          maximumExecutionTimeoutInSeconds: Math.min(28_800, Math.max(600, steps * wait + wait + 1800)),
        },
        ...(rollout.autoRollback !== false && alarms.length > 0 && { autoRollbackConfiguration: { alarms: alarms.map((a) => ({ alarmName: a.alarmName })) } }),
      },
    };
  }

  /** A metric AWS/SageMaker reports for one variant of the endpoint, over 5 minutes (latencies in microseconds). */
  metric(metricName: string, statistic: string, variant = 'primary'): Metric {
    return new Metric({ namespace: 'AWS/SageMaker', metricName, dimensionsMap: { EndpointName: this.endpointName, VariantName: variant }, statistic, period: Duration.minutes(5) });
  }

  /** Invocation5XXErrors as a percent of Invocations of one variant (0 without invocations). */
  serverErrorRate(variant = 'primary'): MathExpression {
    return new MathExpression({
      expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
      usingMetrics: { errors: this.metric('Invocation5XXErrors', 'Sum', variant), invocations: this.metric('Invocations', 'Sum', variant) },
      label: variant === 'primary' ? 'Invocation5XXErrors %' : `${variant} Invocation5XXErrors %`,
      period: Duration.minutes(5),
    });
  }

  /** Makes every alarm of the endpoint notify `topic` on ALARM and on OK, as the Lambda-served models' alarms do. */
  notify(topic: ITopic): void {
    for (const alarm of Object.values(this.alarms)) {
      alarm.addAlarmAction(new SnsAction(topic));
      alarm.addOkAction(new SnsAction(topic));
    }
  }

  private createAlarms(name: string): EndpointAlarms {
    const { latencyP99Ms, serverErrorRatePercent, overheadLatencyP99Ms } = this.thresholds;
    const base = { evaluationPeriods: 3, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD, treatMissingData: TreatMissingData.NOT_BREACHING };
    const serverErrorRate = new Alarm(this, 'ServerErrorRate', {
      ...base,
      alarmName: `${this.endpointName}-endpoint-5xx-rate`,
      alarmDescription: `${name} (SageMaker): over ${serverErrorRatePercent}% of invocations answered 5xx for 15 minutes; rolls back an endpoint deployment`,
      metric: this.serverErrorRate(),
      threshold: serverErrorRatePercent,
    });
    // SageMaker reports latencies in microseconds.
    const latencyP99 = new Alarm(this, 'LatencyP99', {
      ...base,
      alarmName: `${this.endpointName}-endpoint-model-latency-p99`,
      alarmDescription: `${name} (SageMaker): p99 ModelLatency above ${latencyP99Ms} ms for 15 minutes; rolls back an endpoint deployment`,
      metric: this.metric('ModelLatency', 'p99'),
      threshold: latencyP99Ms * 1000,
    });
    const overheadLatencyP99 = new Alarm(this, 'OverheadLatencyP99', {
      ...base,
      alarmName: `${this.endpointName}-endpoint-overhead-latency-p99`,
      alarmDescription: `${name} (SageMaker): p99 OverheadLatency above ${overheadLatencyP99Ms} ms for 15 minutes (SageMaker's time around the model's)`,
      metric: this.metric('OverheadLatency', 'p99'),
      threshold: overheadLatencyP99Ms * 1000,
    });
    return { serverErrorRate, latencyP99, overheadLatencyP99 };
  }

  /** Target tracking on invocations per instance between the configured bounds (scale-in to the minimum). */
  private autoscale(variant: string, min: number, max: number, target: number): void {
    const suffix = variant === 'primary' ? '' : `-${variant}`;
    const scalable = new CfnScalableTarget(this, `ScalableTarget${suffix}`, {
      serviceNamespace: 'sagemaker',
      resourceId: Fn.join('/', ['endpoint', this.endpoint.attrEndpointName, 'variant', variant]),
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: min,
      maxCapacity: max,
    });
    scalable.addResourceDependency(this.endpoint);
    new CfnScalingPolicy(this, `InvocationsPerInstance${suffix}`, {
      policyName: `${this.endpointName}-${variant}-invocations`,
      policyType: 'TargetTrackingScaling',
      scalingTargetId: scalable.ref,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: target,
        predefinedMetricSpecification: { predefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
      },
    });
  }

  /**
   * The primary variant's container as a model of its own for Batch Transform, with an execution
   * role of its own: transform jobs read batch inputs and write outputs with rights the endpoint,
   * which answers live traffic, never holds. Made on first use.
   */
  transformModel(): { readonly model: CfnModel; readonly role: Role } {
    if (!this.#transform) {
      const role = new Role(this, 'TransformRole', {
        assumedBy: new ServicePrincipal('sagemaker.amazonaws.com'),
        description: `SageMaker execution role of ${this.endpointName}'s Batch Transform jobs: pulls the primary image, reads its model data`,
      });
      this.grantRuntime(role, [this.#primary]);
      Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: ecrTokenReason(Boolean(this.#serving.vpc)) });
      this.#transform = { model: this.cfnModel('TransformModel', role, this.#primary), role };
    }
    return this.#transform;
  }

  /** A model of one variant's container, run as `role`. */
  private cfnModel(id: string, role: Role, variant: { readonly image: string; readonly modelData: string }): CfnModel {
    const { vpc } = this.#serving;
    const model = new CfnModel(this, id, {
      executionRoleArn: role.roleArn,
      primaryContainer: { image: variant.image, modelDataUrl: variant.modelData, environment: { SAGEMAKER_CONTAINER_LOG_LEVEL: '20' } },
      // The container needs no network: SageMaker itself fetches the image and the model data.
      enableNetworkIsolation: true,
      ...(vpc && { vpcConfig: { subnets: [...vpc.subnetIds], securityGroupIds: [...vpc.securityGroupIds] } }),
    });
    // The role's policy must exist before SageMaker checks it can pull the image.
    model.node.addDependency(role);
    return model;
  }

  /** What running these variants' containers takes: their images, their model data, and the VPC's network interfaces when there is one. */
  private grantRuntime(role: Role, variants: readonly { readonly image: string; readonly modelData: string }[]): void {
    role.addToPolicy(
      new PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [...new Set(variants.map((v) => ecrRepositoryArn(v.image)))],
      }),
    );
    role.addToPolicy(new PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    role.addToPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [...new Set(variants.map((v) => objectArn(v.modelData)))] }));
    if (this.#serving.vpc) {
      role.addToPolicy(
        new PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:CreateNetworkInterfacePermission',
            'ec2:DeleteNetworkInterface',
            'ec2:DeleteNetworkInterfacePermission',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeVpcs',
            'ec2:DescribeDhcpOptions',
            'ec2:DescribeSubnets',
            'ec2:DescribeSecurityGroups',
          ],
          resources: ['*'],
        }),
      );
    }
  }

  private acknowledge(vpc: boolean, logGroups: string): void {
    const role = Validations.of(this.role);
    role.acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: ecrTokenReason(vpc) });
    const flat = logGroups.replace(`arn:${Aws.PARTITION}`, 'arn:<AWS::Partition>').replace(Aws.REGION, '<AWS::Region>').replace(Aws.ACCOUNT_ID, '<AWS::AccountId>');
    role.acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}:*]`, reason: 'The endpoint writes logs to its own log group, whose streams SageMaker names per instance at run time.' });
    role.acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}:log-stream:*]`, reason: 'The endpoint writes logs to its own log group, whose streams SageMaker names per instance at run time.' });
  }
}
