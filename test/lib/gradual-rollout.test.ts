import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import completeConfig from '../../examples/complete.config.ts';
import defaultConfig from '../../inference.config.ts';
import { type InferenceConfig, validateConfig } from '../../lib/config.ts';
import { InferenceStack } from '../../lib/inference-stack.ts';
import { CDK_CONTEXT, nagFindings } from './cdk.ts';

function synth(config: InferenceConfig = defaultConfig) {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new InferenceStack(app, config.stackName, { config });
  return { stack, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }>;
const resources = (template: Template) => template.toJSON().Resources as Resources;
const idOf = (template: Template, type: string, part: string) => Object.keys(template.findResources(type)).find((id) => id.includes(part))!;

/** Logical ids a resource refers to (Ref, GetAtt, DependsOn): CloudFormation refuses a template whose references cycle. */
function references(resource: unknown): Set<string> {
  const found = new Set<string>();
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Ref' && typeof value === 'string') found.add(value);
      else if (key === 'Fn::GetAtt') found.add((value as string[])[0]!);
      else walk(value);
    }
  };
  const { DependsOn = [], ...rest } = resource as { DependsOn?: string[] };
  walk(rest);
  DependsOn.forEach((d) => found.add(d));
  return found;
}

function hasCycle(all: Resources): boolean {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): boolean => {
    if (state.get(id) === 'done' || !(id in all)) return false;
    if (state.get(id) === 'visiting') return true;
    state.set(id, 'visiting');
    for (const next of references(all[id])) if (visit(next)) return true;
    state.set(id, 'done');
    return false;
  };
  return Object.keys(all).some(visit);
}

const hookPolicy = (template: Template) => {
  const policies = resources(template);
  const id = Object.keys(policies).find((k) => policies[k]!.Type === 'AWS::IAM::Policy' && k.includes('PreTrafficHookRole'))!;
  return (policies[id]!.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement;
};

describe('Gradual rollout of the default config (canary 10% for 5 minutes)', () => {
  const { stack, template } = synth();

  it('deploys the live alias through a CodeDeploy Lambda deployment group with the predefined canary config', () => {
    template.resourceCountIs('AWS::CodeDeploy::Application', 1);
    template.hasResourceProperties('AWS::CodeDeploy::Application', { ComputePlatform: 'Lambda' });
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
    });
    template.resourceCountIs('AWS::CodeDeploy::DeploymentConfig', 0);
    const group = idOf(template, 'AWS::CodeDeploy::DeploymentGroup', 'Rollout');
    template.hasResource('AWS::Lambda::Alias', {
      Properties: { Name: 'live' },
      UpdatePolicy: {
        CodeDeployLambdaAliasUpdate: {
          ApplicationName: { Ref: Match.stringLikeRegexp('RolloutDeploymentGroupApplication') },
          DeploymentGroupName: { Ref: group },
          BeforeAllowTrafficHook: { Ref: idOf(template, 'AWS::Lambda::Function', 'PreTrafficHook') },
        },
      },
    });
  });

  it("stops on monitoring's own 5xx-rate, p99-latency and live-quality alarms of each model (no duplicates), and rolls back on failure and on alarm", () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const names = (suffix: string) => Object.keys(alarms).filter((id) => id.startsWith('MonitoringAlarmsbreastcancer') && id.includes(suffix));
    const watched = ['5xxrate', 'latencyp99', 'liveaccuracy', 'liveauc'].flatMap(names);
    expect(watched).toHaveLength(4);
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: { Enabled: true, Alarms: watched.map((id) => ({ Name: { Ref: id } })) },
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
    });
    // No alarm of its own: monitoring's are reused.
    expect(Object.keys(alarms).filter((id) => id.startsWith('Rollout'))).toEqual([]);
  });

  it('runs a small pre-traffic hook that knows the new version and the packages, with no onnxruntime', () => {
    const version = idOf(template, 'AWS::Lambda::Version', 'PredictFunctionCurrentVersion');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      MemorySize: 256,
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({
          TARGET_VERSION_ARN: { Ref: version },
          MODEL_PACKAGES: '["/var/task/models/breast-cancer/1.0.0"]',
          POWERTOOLS_SERVICE_NAME: 'pre-traffic-hook',
        }),
      },
    });
    const hook = resources(template)[idOf(template, 'AWS::Lambda::Function', 'PreTrafficHook')]!;
    expect(JSON.stringify(hook.Properties!.Environment)).not.toContain('MODELS"');
  });

  it('lets the hook invoke the new predict version only, and report only to its deployment group', () => {
    const statements = hookPolicy(template).filter((s) => !JSON.stringify(s.Action).match(/logs:|xray:/));
    const version = idOf(template, 'AWS::Lambda::Version', 'PredictFunctionCurrentVersion');
    const group = idOf(template, 'AWS::CodeDeploy::DeploymentGroup', 'Rollout');
    expect(statements).toHaveLength(2);
    expect(statements[0]).toEqual({ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { Ref: version } });
    expect(statements[1]).toMatchObject({ Action: 'codedeploy:PutLifecycleEventHookExecutionStatus', Effect: 'Allow' });
    const arn = JSON.stringify(statements[1]!.Resource);
    expect(arn).toContain(':deploymentgroup:');
    expect(arn).toContain(`"Ref":"${group}"`);
    expect(arn).not.toContain('*');
  });

  it('updates the hook (its new version and permissions) before the alias update starts the deployment, with no reference cycle', () => {
    const alias = resources(template)[idOf(template, 'AWS::Lambda::Alias', 'PredictLive')]!;
    expect(alias.DependsOn).toEqual(expect.arrayContaining([idOf(template, 'AWS::Lambda::Function', 'PreTrafficHook'), expect.stringMatching(/PreTrafficHookRoleDefaultPolicy/)]));
    expect(hasCycle(resources(template))).toBe(false);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('Gradual rollout of the complete example (linear 20% every 3 minutes, two models, one from S3)', () => {
  const { stack, template } = synth(completeConfig);

  it('creates a custom linear deployment config, since no predefined one matches', () => {
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      ComputePlatform: 'Lambda',
      TrafficRoutingConfig: { Type: 'TimeBasedLinear', TimeBasedLinear: { LinearInterval: 3, LinearPercentage: 20 } },
    });
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { DeploymentConfigName: { Ref: idOf(template, 'AWS::CodeDeploy::DeploymentConfig', 'Rollout') } });
  });

  it("watches both models' error, latency and quality alarms (8, within CodeDeploy's 10)", () => {
    const group = Object.values(template.findResources('AWS::CodeDeploy::DeploymentGroup'))[0]!;
    const alarms = group.Properties.AlarmConfiguration.Alarms.map((a: { Name: { Ref: string } }) => a.Name.Ref);
    expect(alarms).toHaveLength(8);
    for (const model of ['breastcancer', 'churn']) {
      for (const what of ['5xxrate', 'latencyp99', 'liveaccuracy', 'liveauc']) expect(alarms.some((id: string) => id.includes(model) && id.includes(what))).toBe(true);
    }
  });

  it("checks every served version, the experiment's included, and reads the S3 model's examples from its model.json only", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ MODEL_PACKAGES: '["/var/task/models/breast-cancer/1.0.0","s3://acme-models/churn/2.1.0","/var/task/models/breast-cancer/1.1.0"]' }),
      },
    });
    const s3 = hookPolicy(template).filter((s) => s.Action === 's3:GetObject');
    expect(s3).toEqual([{ Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-models/churn/2.1.0/model.json']] } }]);
  });

  it('has no unacknowledged cdk-nag finding and no reference cycle', () => {
    expect(nagFindings(stack)).toEqual([]);
    expect(hasCycle(resources(template))).toBe(false);
  });
});

describe('Rollout policy variants', () => {
  const base = { ...defaultConfig, batch: undefined };

  it('without monitoring, creates only the 5xx-rate and p99-latency alarms per model, with no notification', () => {
    const { stack, template } = synth({ ...base, monitoring: { enabled: false } });
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms).sort()).toEqual([expect.stringMatching(/^RolloutAlarmsbreastcancer5xxrate/), expect.stringMatching(/^RolloutAlarmsbreastcancerlatencyp99/)]);
    for (const alarm of Object.values(alarms)) expect(alarm.Properties.AlarmActions).toBeUndefined();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'ServerlessInference-breast-cancer-5xx-rate', Threshold: 1, EvaluationPeriods: 3 });
    const group = Object.values(template.findResources('AWS::CodeDeploy::DeploymentGroup'))[0]!;
    expect(group.Properties.AlarmConfiguration.Alarms.map((a: { Name: { Ref: string } }) => a.Name.Ref).sort()).toEqual(Object.keys(alarms).sort());
    expect(nagFindings(stack)).toEqual([]);
  });

  it('maps canary and linear policies to predefined configs where one matches, custom ones otherwise', () => {
    const configName = (rollout: InferenceConfig['rollout']) => {
      const { template } = synth({ ...base, rollout });
      const group = Object.values(template.findResources('AWS::CodeDeploy::DeploymentGroup'))[0]!;
      const custom = Object.values(template.findResources('AWS::CodeDeploy::DeploymentConfig'))[0];
      return custom ? custom.Properties.TrafficRoutingConfig : group.Properties.DeploymentConfigName;
    };
    expect(configName({ strategy: 'canary', intervalMinutes: 30 })).toBe('CodeDeployDefault.LambdaCanary10Percent30Minutes');
    expect(configName({ strategy: 'linear', intervalMinutes: 1 })).toBe('CodeDeployDefault.LambdaLinear10PercentEvery1Minute');
    expect(configName({ strategy: 'all-at-once' })).toBe('CodeDeployDefault.LambdaAllAtOnce');
    expect(configName({ strategy: 'canary', percent: 25, intervalMinutes: 20 })).toEqual({ Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryInterval: 20, CanaryPercentage: 25 } });
  });

  it('without rollback, alarms only stop the deployment; without the hook, there is none; with no alarm, none is watched', () => {
    const { template } = synth({ ...base, rollout: { autoRollback: false, preTrafficHook: false, alarms: { errors: false, latencyP99: false, quality: false } } });
    const group = Object.values(template.findResources('AWS::CodeDeploy::DeploymentGroup'))[0]!;
    expect(group.Properties.AutoRollbackConfiguration).toEqual({ Enabled: false });
    expect(group.Properties.AlarmConfiguration?.Alarms ?? []).toEqual([]);
    const alias = Object.values(template.findResources('AWS::Lambda::Alias'))[0]!;
    expect(alias.UpdatePolicy.CodeDeployLambdaAliasUpdate.BeforeAllowTrafficHook).toBeUndefined();
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).some((id) => id.includes('PreTrafficHook'))).toBe(false);
  });

  it('turned off, leaves the alias to CloudFormation: no deployment group, no update policy', () => {
    const { template } = synth({ ...base, rollout: { enabled: false } });
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 0);
    expect(Object.values(template.findResources('AWS::Lambda::Alias'))[0]!.UpdatePolicy).toBeUndefined();
  });

  it("refuses more alarms than CodeDeploy's 10, naming the setting", () => {
    const models = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name: `m-${name}`, source: `s3://acme-models/m-${name}/1.0.0` }));
    expect(() => synth({ ...base, models, monitoring: { enabled: false } })).toThrow(/rollout\.alarms selects 12 alarms for 6 models; .* at most 10/);
  });
});

describe('Rollout config validation', () => {
  const check = (rollout: unknown) => () => validateConfig({ ...defaultConfig, rollout } as InferenceConfig);

  it('accepts the default, the complete example and every strategy', () => {
    expect(check(undefined)).not.toThrow();
    expect(() => validateConfig(completeConfig)).not.toThrow();
    for (const strategy of ['canary', 'linear', 'all-at-once']) expect(check({ strategy })).not.toThrow();
  });

  it('names the prop of every bad value', () => {
    expect(check({ strategy: 'blue-green' })).toThrow("rollout.strategy must be one of 'canary', 'linear', 'all-at-once', got \"blue-green\"");
    expect(check({ percent: 0 })).toThrow('rollout.percent must be an integer between 1 and 99, got 0');
    expect(check({ percent: 100 })).toThrow('rollout.percent must be an integer between 1 and 99');
    expect(check({ percent: 12.5 })).toThrow('rollout.percent must be an integer');
    expect(check({ intervalMinutes: 2881 })).toThrow('rollout.intervalMinutes must be an integer between 1 and 2880, got 2881');
    expect(check({ strategy: 'all-at-once', percent: 10 })).toThrow("rollout.percent does not apply to strategy 'all-at-once'");
    expect(check({ autoRollback: 'yes' })).toThrow('rollout.autoRollback must be true or false, got "yes"');
    expect(check({ alarms: { quality: 1 } })).toThrow('rollout.alarms.quality must be true or false, got 1');
    expect(check({ preTrafficHook: null })).toThrow('rollout.preTrafficHook must be true or false, got null');
  });

  it('needs the version in an S3 source for the alarms, even without monitoring, unless every alarm is off', () => {
    const config = { ...defaultConfig, models: [{ name: 'churn', source: 's3://acme-models/churn/latest' }], monitoring: { enabled: false } } as InferenceConfig;
    expect(() => validateConfig(config)).toThrow(/models\[0\]\.source must end in the model version .* for the rollout alarms/);
    expect(() => validateConfig({ ...config, rollout: { alarms: { errors: false, latencyP99: false, quality: false } } })).not.toThrow();
  });

  it('names a source without its version once, for monitoring and the rollout alarms both', () => {
    const config = { ...defaultConfig, models: [{ name: 'churn', source: 's3://acme-models/churn/latest' }], rollout: {} } as InferenceConfig;
    expect(() => validateConfig(config)).toThrow(
      new Error(
        "models[0].source must end in the model version (s3://bucket/prefix/1.0.0) for monitoring, whose metrics are per version (or set monitoring.enabled false) and the rollout alarms, which watch the version's metrics (or set every rollout.alarms field false); got s3://acme-models/churn/latest",
      ),
    );
  });
});
