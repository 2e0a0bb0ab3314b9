import { Aws, Duration, Validations } from 'aws-cdk-lib';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import {
  type ILambdaDeploymentConfig,
  LambdaDeploymentConfig,
  LambdaDeploymentGroup,
  TrafficRouting,
} from 'aws-cdk-lib/aws-codedeploy';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type ModelConfig, experimentVersions, parseSource, type RolloutConfig } from './config.ts';
import { HandlerFunction } from './handler-function.ts';
import type { ServingGuards } from './model-alarms.ts';
import { acknowledgeWildcardResources } from './nag.ts';
import type { PredictFunction } from './predict-function.ts';

/** CodeDeploy watches at most this many alarms per deployment group. */
const MAX_ALARMS = 10;

/** A served model's alarms a rollout may watch (from `ModelAlarms`, or `RolloutGuardAlarms` without monitoring). */
export interface ModelGuards {
  /** Needed unless the policy turns off both `errors` and `latencyP99`. */
  readonly serving?: ServingGuards;
  readonly quality: readonly IAlarm[];
}

export interface GradualRolloutProps {
  /** The predict function: its `live` alias is what the deployments move. */
  readonly predict: PredictFunction;
  /** The served models: their model.json examples are what the pre-traffic hook checks. */
  readonly models: readonly ModelConfig[];
  /** The policy (validated with the config). @default - canary 10% for 5 minutes, every alarm, rollback, hook */
  readonly policy?: RolloutConfig;
  /** Each served model's alarms, by model name; the policy picks among them. */
  readonly guards: Readonly<Record<string, ModelGuards>>;
  /** The hook function's log retention. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** CloudWatch namespace of the hook's metrics. @default 'ServerlessInference' */
  readonly metricsNamespace?: string;
}

/**
 * Gradual rollout of the predict function: every stack update that publishes a new version makes
 * CloudFormation hand the `live` alias to CodeDeploy, which runs the pre-traffic hook against the new
 * version, shifts traffic by the policy's steps while the chosen alarms stay OK, and moves the alias
 * back when the hook fails or an alarm fires.
 */
export class GradualRollout extends Construct {
  readonly deploymentGroup: LambdaDeploymentGroup;
  readonly deploymentConfig: ILambdaDeploymentConfig;
  /** The alarms that stop (and roll back) a deployment. */
  readonly alarms: readonly IAlarm[];
  readonly preTrafficHook?: PreTrafficHook;

  constructor(scope: Construct, id: string, props: GradualRolloutProps) {
    super(scope, id);
    const policy = props.policy ?? {};
    const watch = { errors: true, latencyP99: true, quality: true, ...policy.alarms };
    this.alarms = props.models.flatMap(({ name }) => {
      const guards = props.guards[name];
      const serving = (on: boolean, alarm: keyof ServingGuards) => {
        if (!on) return [];
        if (!guards?.serving) throw new Error(`guards.${name}: the policy watches the model's ${alarm} alarm, which is not given`);
        return [guards.serving[alarm]];
      };
      return [...serving(watch.errors, 'serverErrorRate'), ...serving(watch.latencyP99, 'latencyP99'), ...(watch.quality ? (guards?.quality ?? []) : [])];
    });
    if (this.alarms.length > MAX_ALARMS) {
      throw new Error(
        `rollout.alarms selects ${this.alarms.length} alarms for ${props.models.length} models; a CodeDeploy deployment group watches at most ${MAX_ALARMS}: turn off rollout.alarms.quality or latencyP99`,
      );
    }
    const autoRollback = policy.autoRollback ?? true;
    this.deploymentConfig = deploymentConfig(this, policy);
    this.deploymentGroup = new LambdaDeploymentGroup(this, 'DeploymentGroup', {
      alias: props.predict.alias,
      deploymentConfig: this.deploymentConfig,
      alarms: [...this.alarms],
      autoRollback: { failedDeployment: autoRollback, stoppedDeployment: false, deploymentInAlarm: autoRollback && this.alarms.length > 0 },
    });
    Validations.of(this.deploymentGroup.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      reason:
        "CodeDeploy's own minimum for Lambda deployments, attached by LambdaDeploymentGroup: read and update aliases, read alarms, publish to CodeDeployTopic_* and invoke CodeDeployHook_* functions only.",
    });

    if (policy.preTrafficHook ?? true) {
      this.preTrafficHook = new PreTrafficHook(this, 'PreTrafficHook', props);
      this.deploymentGroup.addPreHook(this.preTrafficHook.function);
      // CodeDeploy invokes the hook by name ($LATEST) once the alias update starts: the hook, its
      // environment (the new version) and its permissions must be updated before, never alongside.
      props.predict.alias.node.addDependency(this.preTrafficHook);
      acknowledgeWildcardResources(
        this.deploymentGroup.role,
        [`${this.preTrafficHook.function.functionArn}:*`],
        'CodeDeploy invokes the pre-traffic hook function (LambdaDeploymentGroup grants its versions and aliases too); nothing else.',
      );
    }
  }
}

/** A predefined CodeDeploy config where one matches the policy, else a custom one. */
function deploymentConfig(scope: Construct, policy: RolloutConfig): ILambdaDeploymentConfig {
  const strategy = policy.strategy ?? 'canary';
  if (strategy === 'all-at-once') return LambdaDeploymentConfig.ALL_AT_ONCE;
  const percent = policy.percent ?? 10;
  const minutes = policy.intervalMinutes ?? 5;
  const predefined: Record<string, ILambdaDeploymentConfig> = {
    'canary-10-5': LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
    'canary-10-10': LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
    'canary-10-15': LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
    'canary-10-30': LambdaDeploymentConfig.CANARY_10PERCENT_30MINUTES,
    'linear-10-1': LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
    'linear-10-2': LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
    'linear-10-3': LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES,
    'linear-10-10': LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_10MINUTES,
  };
  const known = predefined[`${strategy}-${percent}-${minutes}`];
  if (known) return known;
  const step = { interval: Duration.minutes(minutes), percentage: percent };
  return new LambdaDeploymentConfig(scope, 'DeploymentConfig', {
    trafficRouting: strategy === 'canary' ? TrafficRouting.timeBasedCanary(step) : TrafficRouting.timeBasedLinear(step),
  });
}

/**
 * The BeforeAllowTraffic hook: a small function (no onnxruntime, no model.onnx: only each bundled
 * package's model.json) that invokes the new predict version with every example and tells CodeDeploy.
 */
export class PreTrafficHook extends HandlerFunction {
  constructor(scope: Construct, id: string, props: Pick<GradualRolloutProps, 'predict' | 'models' | 'logRetention' | 'metricsNamespace'>) {
    // Every version the predict function serves answers its own examples: primaries and experiment versions alike.
    const served = [...props.models, ...props.models.flatMap(experimentVersions)].filter(
      (m, i, all) => all.findIndex((o) => o.name === m.name && o.source === m.source) === i,
    );
    const sources = served.map((model, i) => ({ model, source: parseSource(`models[${i}].source`, model.source) }));
    const version = props.predict.function.currentVersion;
    super(scope, id, {
      entry: 'functions/rollout/pre-traffic-hook.ts',
      memorySize: 256,
      // Cold starts of the new version load its models; CodeDeploy waits an hour at most for the verdict.
      timeout: Duration.minutes(5),
      logRetention: props.logRetention,
      serviceName: 'pre-traffic-hook',
      metricsNamespace: props.metricsNamespace,
      environment: {
        TARGET_VERSION_ARN: version.functionArn,
        MODEL_PACKAGES: JSON.stringify(
          sources.map(({ model, source }) => (source.kind === 'bundled' ? `/var/task/models/${model.name}/${source.version}` : model.source)),
        ),
      },
      afterBundling: (inputDir, outputDir) =>
        sources.flatMap(({ model, source }) => {
          if (source.kind !== 'bundled') return [];
          const target = `${outputDir}/models/${model.name}/${source.version}`;
          return [`mkdir -p "${target}"`, `cp "${inputDir}/${source.folder}/model.json" "${target}/model.json"`];
        }),
    });
    // The version under test, and no other version, alias or function.
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [version.functionArn] }));
    for (const { source } of sources) {
      if (source.kind !== 's3') continue;
      const key = `${source.bucket}/${source.prefix.replace(/\/+$/, '')}/model.json`;
      this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:${Aws.PARTITION}:s3:::${key}`] }));
    }
  }
}
