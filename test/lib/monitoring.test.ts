import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import completeConfig from '../../examples/complete.config.ts';
import defaultConfig from '../../inference.config.ts';
import type { InferenceConfig } from '../../lib/config.ts';
import { InferenceStack } from '../../lib/inference-stack.ts';
import { CDK_CONTEXT, nagFindings } from './cdk.ts';

function synth(config: InferenceConfig = defaultConfig) {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new InferenceStack(app, config.stackName, { config });
  return { stack, template: Template.fromStack(stack) };
}

type Resource = { Properties: Record<string, any> };
const resources = (template: Template, type: string) => Object.entries(template.findResources(type)) as [string, Resource][];
const alarms = (template: Template): Record<string, Record<string, any>> => Object.fromEntries(resources(template, 'AWS::CloudWatch::Alarm').map(([, r]) => [r.Properties.AlarmName, r.Properties]));
const functionNamed = (template: Template, service: string) => {
  const found = resources(template, 'AWS::Lambda::Function').find(([, r]) => r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service);
  if (!found) throw new Error(`no function of service ${service}`);
  return { logicalId: found[0], properties: found[1].Properties };
};
/** Statements of the inline policies attached to the role of a function. */
const statementsOf = (template: Template, fn: { properties: Record<string, any> }) => {
  const role = fn.properties.Role['Fn::GetAtt'][0];
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
};
const json = (value: unknown) => JSON.stringify(value);

describe('Monitoring of the default config (breast-cancer 1.0.0, bundled, batch scoring, no reserved concurrency)', () => {
  const { template } = synth();
  const byName = alarms(template);
  const topic = resources(template, 'AWS::SNS::Topic')[0]![0];

  it('alarms per model and on the shared predict function and batch runs, with the default thresholds', () => {
    const thresholds = Object.fromEntries(Object.entries(byName).map(([name, a]) => [name, [a.ComparisonOperator, a.Threshold]]));
    expect(thresholds).toEqual({
      'ServerlessInference-breast-cancer-latency-p50': ['GreaterThanThreshold', 100],
      'ServerlessInference-breast-cancer-latency-p99': ['GreaterThanThreshold', 1000],
      'ServerlessInference-breast-cancer-4xx-rate': ['GreaterThanThreshold', 10],
      'ServerlessInference-breast-cancer-5xx-rate': ['GreaterThanThreshold', 1],
      'ServerlessInference-breast-cancer-feature-psi': ['GreaterThanThreshold', 0.25],
      'ServerlessInference-breast-cancer-drift': ['GreaterThanOrEqualToThreshold', 1],
      // model.json holdout: accuracy 0.97345, ROC AUC 0.99665, minus the default 0.05 drop.
      'ServerlessInference-breast-cancer-live-accuracy': ['LessThanThreshold', 0.9235],
      'ServerlessInference-breast-cancer-live-auc': ['LessThanThreshold', 0.9466],
      'ServerlessInference-predict-throttles': ['GreaterThanOrEqualToThreshold', 1],
      'ServerlessInference-predict-init-duration': ['GreaterThanThreshold', 3000],
      'ServerlessInference-predict-batch-run-failures': ['GreaterThanOrEqualToThreshold', 1],
    });
  });

  it('notifies the alarm topic on ALARM and on OK, from every alarm', () => {
    for (const alarm of Object.values(byName)) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.OKActions).toEqual([{ Ref: topic }]);
    }
  });

  it('reads latency percentiles and error rates from the EMF metrics of the model version, over 3 five-minute periods', () => {
    const p99 = byName['ServerlessInference-breast-cancer-latency-p99']!;
    expect(p99).toMatchObject({
      Namespace: 'ServerlessInference',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Period: 300,
      EvaluationPeriods: 3,
      TreatMissingData: 'notBreaching',
      Dimensions: expect.arrayContaining([
        { Name: 'service', Value: 'predict' },
        { Name: 'model', Value: 'breast-cancer' },
        { Name: 'version', Value: '1.0.0' },
      ]),
    });
    const rate = byName['ServerlessInference-breast-cancer-5xx-rate']!.Metrics;
    expect(rate.find((m: { Expression?: string }) => m.Expression)).toMatchObject({ Expression: 'IF(requests >= 20, 100 * FILL(serverErrors, 0) / requests, 0)' });
    expect(rate.map((m: any) => m.MetricStat?.Metric.MetricName).filter(Boolean).sort()).toEqual(['Latency', 'ServerErrors']);
  });

  it("alarms on the drift job's overall decision with model and version dimensions (which the retraining trigger reads), kept until the next run", () => {
    expect(byName['ServerlessInference-breast-cancer-drift']).toMatchObject({
      MetricName: 'DriftDetected',
      Statistic: 'Maximum',
      Period: 3600,
      EvaluationPeriods: 1,
      TreatMissingData: 'ignore',
      Dimensions: expect.arrayContaining([
        { Name: 'service', Value: 'drift-job' },
        { Name: 'model', Value: 'breast-cancer' },
        { Name: 'version', Value: '1.0.0' },
      ]),
    });
  });

  it('alarms on the largest feature PSI with a Metrics Insights query, so features need not be known at synth', () => {
    const [query] = byName['ServerlessInference-breast-cancer-feature-psi']!.Metrics;
    expect(query.Expression).toBe(
      `SELECT MAX(FeaturePsi) FROM SCHEMA("ServerlessInference", feature, model, service, version) WHERE service = 'drift-job' AND model = 'breast-cancer' AND version = '1.0.0'`,
    );
  });

  it('judges live quality only over runs with enough labeled rows', () => {
    const metrics = byName['ServerlessInference-breast-cancer-live-accuracy']!.Metrics;
    expect(metrics.find((m: { Expression?: string }) => m.Expression).Expression).toBe('IF(rows >= 100, quality, 1)');
  });

  it("measures cold starts from the predict function's JSON platform.report records", () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ ($.type = "platform.report") && ($.record.metrics.initDurationMs > 0) }',
      MetricTransformations: [{ MetricNamespace: 'ServerlessInference', MetricName: 'PredictInitDuration', MetricValue: '$.record.metrics.initDurationMs' }],
    });
    expect(functionNamed(template, 'predict').properties.LoggingConfig).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO' });
  });

  it('has one dashboard per model with its requests, latency, errors, function, drift, quality, batch and alarm widgets', () => {
    const dashboards = resources(template, 'AWS::CloudWatch::Dashboard');
    expect(dashboards.map(([, d]) => d.Properties.DashboardName)).toEqual(['ServerlessInference-breast-cancer']);
    const body = json(dashboards[0]![1].Properties.DashboardBody);
    for (const title of [
      'Requests (per 5 min)',
      'Latency (ms)',
      'Error rates (%)',
      'Throttles (predict function)',
      'Concurrency (predict function)',
      'Cold start init duration (ms)',
      'Drift: overall decision and prediction PSI',
      'Drift: PSI per feature',
      'Drift: drifted features (1 = drifted)',
      'Live quality (labeled predictions)',
      'Labeled rows per run',
      'Batch runs (all models)',
      'Alarms',
    ]) {
      expect(body).toContain(`\\"title\\":\\"${title}\\"`);
    }
    expect(body).toContain('SEARCH(');
    expect(body).toContain('MetricName=\\\\\\"FeaturePsi\\\\\\"');
    expect(body).toContain('LiveAuc');
    expect(body).not.toContain('LiveRmse');
  });

  it('publishes to an SNS topic encrypted with a rotated customer key that CloudWatch may use, over SSL only', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('MonitoringTopicKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('keeps captures, reports and labels in an encrypted, SSL-only, access-logged bucket where captures and reports expire', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { LogFilePrefix: 'data/' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'captures', Prefix: 'captures/', ExpirationInDays: 90 }),
          Match.objectLike({ Id: 'drift-reports', Prefix: 'drift-reports/', ExpirationInDays: 365 }),
        ]),
      },
    });
  });

  it('captures 10% of predict requests into the monitoring bucket, with PutObject on the capture prefix only', () => {
    const predict = functionNamed(template, 'predict');
    const env = predict.properties.Environment.Variables;
    expect(json(env.CAPTURE_URI)).toMatch(/s3:\/\/.*MonitoringData.*\/captures"/);
    expect(env.CAPTURE_SAMPLE_RATE).toBe('0.1');
    expect(env.CAPTURE_FEATURES).toBeUndefined();
    const s3 = statementsOf(template, predict).filter((s) => json(s.Action).includes('s3:'));
    expect(s3).toHaveLength(1);
    expect(s3[0]).toMatchObject({ Action: 's3:PutObject' });
    expect(json(s3[0].Resource)).toMatch(/MonitoringData.*\/captures\/\*"/);
  });

  it('runs the drift job and the label-quality job per model on EventBridge Scheduler, with the model and window as input', () => {
    const schedules = resources(template, 'AWS::Scheduler::Schedule').map(([, s]) => s.Properties);
    expect(schedules).toHaveLength(2);
    const byFunction = (service: string) => schedules.find((s) => json(s.Target.Arn).includes(functionNamed(template, service).logicalId))!;
    expect(byFunction('drift-job')).toMatchObject({ ScheduleExpression: 'cron(15 0 * * ? *)', Target: { Input: '{"model":"breast-cancer","windowHours":24}' } });
    expect(byFunction('label-quality')).toMatchObject({ ScheduleExpression: 'cron(45 0 * * ? *)', Target: { Input: '{"model":"breast-cancer","windowHours":168}' } });
  });

  it('gives the drift job the model packages, the capture and report locations, and read/list on captures, write on reports', () => {
    const drift = functionNamed(template, 'drift-job');
    const env = drift.properties.Environment.Variables;
    expect(env.MODELS).toBe('["/var/task/models/breast-cancer/1.0.0"]');
    expect(env.MODEL_JSONS).toBeUndefined();
    expect(json(env.CAPTURE_URI)).toMatch(/\/captures"/);
    expect(json(env.REPORTS_URI)).toMatch(/\/drift-reports"/);
    const statements = statementsOf(template, drift).filter((s) => json(s.Action).includes('s3:'));
    expect(statements.map((s) => s.Action).sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(statements.find((s) => s.Action === 's3:ListBucket').Condition).toEqual({ StringLike: { 's3:prefix': ['captures/*', 'drift-reports/*'] } });
    expect(json(statements.find((s) => s.Action === 's3:GetObject').Resource)).toMatch(/\/captures\/\*"\]\]\}$/);
    expect(json(statements.find((s) => s.Action === 's3:PutObject').Resource)).toMatch(/\/drift-reports\/\*"\]\]\}$/);
    const quality = functionNamed(template, 'label-quality');
    expect(json(quality.properties.Environment.Variables.LABELS_URI)).toMatch(/\/labels"/);
    expect(statementsOf(template, quality).some((s) => json(s).includes('s3:PutObject'))).toBe(false);
  });

  it('starts retraining from an EventBridge rule matching the drift alarm going to ALARM, targeting the trigger function', () => {
    const trigger = functionNamed(template, 'retraining-trigger');
    const driftAlarm = resources(template, 'AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.AlarmName.endsWith('-drift'))![0];
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        resources: [{ 'Fn::GetAtt': [driftAlarm, 'Arn'] }],
        detail: { state: { value: ['ALARM'] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [trigger.logicalId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 } })],
    });
  });

  it('gives the trigger its cooldown, state machine and reports, runs it one at a time, and lets it do only that', () => {
    const trigger = functionNamed(template, 'retraining-trigger');
    expect(trigger.properties.ReservedConcurrentExecutions).toBe(1);
    const env = trigger.properties.Environment.Variables;
    const parameter = resources(template, 'AWS::SSM::Parameter')[0]![0];
    expect(env).toMatchObject({ COOLDOWN_HOURS: '24', COOLDOWN_PARAMETER: { Ref: parameter } });
    const placeholder = resources(template, 'AWS::StepFunctions::StateMachine').find(([id]) => id.includes('RetrainingPlaceholder'))![0];
    expect(env.RETRAINING_STATE_MACHINE_ARN).toEqual({ Ref: placeholder });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/ServerlessInference/retraining/last-starts', Value: '{}', Type: 'String' });

    const statements = statementsOf(template, trigger).filter((s) => !json(s.Action).match(/logs:|xray:/));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: placeholder } },
      {
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:PutParameter'],
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':parameter', { Ref: parameter }]],
        },
      },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: expect.anything(), Condition: { StringLike: { 's3:prefix': ['drift-reports/*'] } } },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [expect.anything(), '/drift-reports/*']] } },
    ]);
  });
});

describe('Monitoring of the complete example', () => {
  const { template } = synth(completeConfig);
  const byName = alarms(template);

  it("reports breast-cancer's shadow daily from its shadow records, reading those records only and writing beside the drift reports", () => {
    const shadow = functionNamed(template, 'shadow-report');
    const env = shadow.properties.Environment.Variables;
    expect(json(env.CAPTURE_URI)).toMatch(/\/captures"/);
    expect(json(env.REPORTS_URI)).toMatch(/\/drift-reports"/);
    const schedule = resources(template, 'AWS::Scheduler::Schedule').find(([, s]) => json(s.Properties.Target.Arn).includes(shadow.logicalId))![1].Properties;
    expect(schedule).toMatchObject({ ScheduleExpression: 'cron(15 1 * * ? *)', Target: { Input: '{"model":"breast-cancer","version":"1.0.0","candidate":"1.1.0","windowHours":24}' } });
    const s3 = statementsOf(template, shadow).filter((st) => json(st.Action).includes('s3:'));
    expect(json(s3.find((st) => st.Action === 's3:GetObject')!.Resource)).toMatch(/\/captures\/_shadow\/\*"/);
    expect(json(s3.find((st) => st.Action === 's3:PutObject')!.Resource)).toMatch(/\/drift-reports\/\*"/);
    // No model runs here: a plain handler function, not a model function (which would load MODELS with onnxruntime).
    expect(env.MODELS).toBeUndefined();
    expect(env.MODEL_CACHE_DIR).toBeUndefined();
  });

  it('applies global thresholds, per-model overrides and the reserved-concurrency alarm', () => {
    const threshold = (name: string) => byName[`InferenceComplete-${name}`]?.Threshold;
    expect(threshold('breast-cancer-latency-p99')).toBe(500);
    expect(threshold('churn-latency-p99')).toBe(800);
    expect(threshold('churn-latency-p50')).toBe(50);
    expect(threshold('churn-5xx-rate')).toBe(0.5);
    expect(threshold('churn-feature-psi')).toBe(0.2);
    expect(threshold('churn-live-accuracy')).toBe(0.8);
    expect(threshold('churn-live-auc')).toBe(0.85);
    // breast-cancer's floors derive from its holdout with the 0.03 drop.
    expect(threshold('breast-cancer-live-accuracy')).toBe(0.9435);
    expect(threshold('predict-concurrency')).toBe(45);
    expect(threshold('predict-throttles')).toBe(5);
    expect(threshold('predict-init-duration')).toBe(2000);
    expect(byName['InferenceComplete-churn-latency-p99']!.Dimensions).toEqual(expect.arrayContaining([{ Name: 'version', Value: '2.1.0' }]));
    expect(byName['InferenceComplete-churn-5xx-rate']!.Metrics.find((m: { Expression?: string }) => m.Expression).Expression).toContain('requests >= 50');
  });

  it('counts failed and timed-out Batch Transform runs in the batch run failure alarm, beside the Lambda runs', () => {
    const alarm = byName['InferenceComplete-predict-batch-run-failures']!;
    const expression = alarm.Metrics.find((m: { Expression?: string }) => m.Expression);
    expect(expression.Expression).toBe('FILL(failed, 0) + FILL(timedOut, 0) + FILL(failed1, 0) + FILL(timedOut1, 0)');
    const machineOf = (id: string) => alarm.Metrics.find((m: { Id: string }) => m.Id === id).MetricStat.Metric.Dimensions[0].Value.Ref;
    expect(machineOf('failed')).toMatch(/^BatchStateMachine/);
    expect(machineOf('failed1')).toMatch(/^BatchTransformnightlytumorscansStateMachine/);
    expect(machineOf('timedOut1')).toMatch(/^BatchTransformnightlytumorscansStateMachine/);
  });

  it("starts the pipeline built from `retraining` on breast-cancer's drift alone (the model it retrains), after a 72-hour cooldown", () => {
    const machines = resources(template, 'AWS::StepFunctions::StateMachine').map(([id]) => id);
    expect(machines.some((id) => id.includes('RetrainingPlaceholder'))).toBe(false);
    const pipeline = machines.find((id) => id.startsWith('RetrainingStateMachine'))!;
    const trigger = functionNamed(template, 'retraining-trigger');
    expect(trigger.properties.Environment.Variables).toMatchObject({ RETRAINING_STATE_MACHINE_ARN: { Ref: pipeline }, COOLDOWN_HOURS: '72' });
    const rule = resources(template, 'AWS::Events::Rule')[0]![1];
    expect(rule.Properties.EventPattern.resources).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^MonitoringAlarmsbreastcancerdrift/), 'Arn'] }]);
  });

  it('starts the state machine named by monitoring.retraining.stateMachineArn instead, on every model\'s drift', () => {
    const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:churn-retraining';
    const external = synth({ ...completeConfig, monitoring: { ...completeConfig.monitoring, retraining: { stateMachineArn: arn } } }).template;
    const trigger = functionNamed(external, 'retraining-trigger');
    expect(trigger.properties.Environment.Variables).toMatchObject({ RETRAINING_STATE_MACHINE_ARN: arn });
    expect(statementsOf(external, trigger)).toContainEqual({ Effect: 'Allow', Action: 'states:StartExecution', Resource: arn });
    // breast-cancer, churn and the SageMaker-served tumor-ensemble.
    expect(resources(external, 'AWS::Events::Rule')[0]![1].Properties.EventPattern.resources).toHaveLength(3);
  });

  it('captures a quarter of requests, with the per-model feature allow-list, into a KMS-encrypted bucket', () => {
    const predict = functionNamed(template, 'predict');
    expect(predict.properties.Environment.Variables).toMatchObject({
      CAPTURE_SAMPLE_RATE: '0.25',
      CAPTURE_FEATURES: '{"churn":["tenure_months","monthly_charges","contract"]}',
    });
    expect(statementsOf(template, predict)).toContainEqual(expect.objectContaining({ Action: 'kms:GenerateDataKey' }));
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'captures', ExpirationInDays: 30 })]) },
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } })] },
    });
  });

  it('schedules both jobs for every model, the SageMaker-served one too, in the configured time zone and windows, and emails the on-call list', () => {
    const schedules = resources(template, 'AWS::Scheduler::Schedule').map(([, s]) => s.Properties);
    const monitoring = schedules.filter((s) => s.ScheduleExpression === 'cron(0 */6 * * ? *)' || s.ScheduleExpression === 'rate(1 day)');
    expect(monitoring).toHaveLength(6);
    expect(monitoring.map((s) => s.Target.Input).sort()).toEqual([
      '{"model":"breast-cancer","windowHours":336}',
      '{"model":"breast-cancer","windowHours":48}',
      '{"model":"churn","windowHours":336}',
      '{"model":"churn","windowHours":48}',
      '{"model":"tumor-ensemble","windowHours":336}',
      '{"model":"tumor-ensemble","windowHours":48}',
    ]);
    expect(monitoring.find((s) => s.ScheduleExpression.startsWith('cron'))!.ScheduleExpressionTimezone).toBe('Europe/Paris');
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ml-oncall@example.com' });
  });

  it('shows every quality metric for the S3 model, whose task is unknown at synth', () => {
    const churn = resources(template, 'AWS::CloudWatch::Dashboard').find(([, d]) => d.Properties.DashboardName === 'InferenceComplete-churn')!;
    const body = json(churn[1].Properties.DashboardBody);
    for (const metric of ['LiveAccuracy', 'LiveAuc', 'LiveRmse', 'LiveMae']) expect(body).toContain(metric);
  });
});

describe('Monitoring of the SageMaker-served model of the complete example (tumor-ensemble)', () => {
  const { template } = synth(completeConfig);
  const byName = alarms(template);
  const topic = resources(template, 'AWS::SNS::Topic')[0]![0];
  const dashboard = () => {
    const [, d] = resources(template, 'AWS::CloudWatch::Dashboard').find(([, d]) => d.Properties.DashboardName === 'InferenceComplete-tumor-ensemble')!;
    // The body is a Fn::Join of JSON text and references: each reference becomes the logical id it names.
    const [, parts] = d.Properties.DashboardBody['Fn::Join'] as [string, (string | { Ref?: string; 'Fn::GetAtt'?: string[] })[]];
    return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : (p.Ref ?? p['Fn::GetAtt']![0]))).join('')) as { widgets: { properties: Record<string, any> }[] };
  };

  it('captures the invoke function\'s requests like the predict function\'s: same settings, PutObject on captures/* only, with the bucket key', () => {
    const invoke = functionNamed(template, 'sagemaker-invoke');
    const env = invoke.properties.Environment.Variables;
    expect(env).toMatchObject({ CAPTURE_SAMPLE_RATE: '0.25', CAPTURE_FEATURES: '{"churn":["tenure_months","monthly_charges","contract"]}' });
    expect(json(env.CAPTURE_URI)).toBe(json(functionNamed(template, 'predict').properties.Environment.Variables.CAPTURE_URI));
    const s3 = statementsOf(template, invoke).filter((s) => json(s.Action).includes('s3:'));
    expect(s3).toEqual([expect.objectContaining({ Action: 's3:PutObject' })]);
    expect(json(s3[0].Resource)).toMatch(/MonitoringData.*\/captures\/\*"\]\]\}$/);
    expect(statementsOf(template, invoke)).toContainEqual(expect.objectContaining({ Action: 'kms:GenerateDataKey' }));
  });

  it("gives the drift and label-quality jobs its model.json (bundled, named in MODEL_JSONS) beside the Lambda-served models' packages", () => {
    for (const service of ['drift-job', 'label-quality']) {
      const env = functionNamed(template, service).properties.Environment.Variables;
      expect(JSON.parse(env.MODEL_JSONS)).toEqual({ 'tumor-ensemble': '/var/task/sagemaker-models/tumor-ensemble/model.json' });
      expect(JSON.parse(env.MODELS)).toHaveLength(2);
    }
  });

  it("alarms on its API error rates, drift, largest feature PSI and live quality (floors from its model.json holdout) to the topic, leaving latency to the endpoint's alarms", () => {
    const own = Object.keys(byName).filter((n) => n.startsWith('InferenceComplete-tumor-ensemble-') && !n.includes('-endpoint-'));
    expect(own.sort()).toEqual(['4xx-rate', '5xx-rate', 'drift', 'feature-psi', 'live-accuracy', 'live-auc'].map((a) => `InferenceComplete-tumor-ensemble-${a}`));
    // The error rates are the invoke function's answers: its EMF metrics under its own service name.
    const rate = byName['InferenceComplete-tumor-ensemble-5xx-rate']!.Metrics;
    expect(rate.find((m: { Id: string }) => m.Id === 'serverErrors').MetricStat.Metric.Dimensions).toEqual(
      expect.arrayContaining([{ Name: 'service', Value: 'sagemaker-invoke' }, { Name: 'model', Value: 'tumor-ensemble' }]),
    );
    for (const name of own) expect(byName[name]).toMatchObject({ AlarmActions: [{ Ref: topic }], OKActions: [{ Ref: topic }] });
    expect(byName['InferenceComplete-tumor-ensemble-drift']!.Dimensions).toEqual(
      expect.arrayContaining([{ Name: 'service', Value: 'drift-job' }, { Name: 'model', Value: 'tumor-ensemble' }, { Name: 'version', Value: '1.0.0' }]),
    );
    expect(byName['InferenceComplete-tumor-ensemble-feature-psi']!.Threshold).toBe(0.2);
    // Holdout accuracy 0.97345 and ROC AUC 0.99665, minus the configured 0.03 drop.
    expect(byName['InferenceComplete-tumor-ensemble-live-accuracy']!.Threshold).toBe(0.9435);
    expect(byName['InferenceComplete-tumor-ensemble-live-auc']!.Threshold).toBe(0.9666);
  });

  it("starts the placeholder retraining on its drift too, when no pipeline is built", () => {
    const { retraining: _, ...withoutPipeline } = completeConfig;
    const placeholder = synth({ ...withoutPipeline, monitoring: { ...completeConfig.monitoring, retraining: { enabled: true } } }).template;
    const drift = resources(placeholder, 'AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.AlarmName === 'InferenceComplete-tumor-ensemble-drift')![0];
    expect(resources(placeholder, 'AWS::Events::Rule')[0]![1].Properties.EventPattern.resources).toContainEqual({ 'Fn::GetAtt': [drift, 'Arn'] });
  });

  it("shows its API requests, drift and live quality on its endpoint dashboard with the Lambda-served models' widgets, and its alarms beside the endpoint's", () => {
    const body = dashboard();
    const titles = body.widgets.map((w) => w.properties.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'API: Requests (per 5 min)',
        'API: Latency (ms)',
        'API: Error rates (%)',
        'Drift: overall decision and prediction PSI',
        'Drift: PSI per feature',
        'Drift: drifted features (1 = drifted)',
        'Live quality (labeled predictions)',
        'Labeled rows per run',
      ]),
    );
    expect(json(body.widgets.find((w) => w.properties.title === 'API: Requests (per 5 min)')!.properties.metrics)).toContain('sagemaker-invoke');
    const psi = body.widgets.find((w) => w.properties.title === 'Drift: PSI per feature')!;
    expect(psi.properties.annotations.horizontal).toEqual([expect.objectContaining({ value: 0.2, label: 'PSI alarm' })]);
    expect(json(psi.properties.metrics)).toContain('model=\\"tumor-ensemble\\"');
    const quality = body.widgets.find((w) => w.properties.title === 'Live quality (labeled predictions)')!;
    expect(quality.properties.metrics.map((m: string[]) => m[1])).toEqual(['LiveAccuracy', 'LiveAuc']);
    const alarmIds = body.widgets.find((w) => w.properties.title === 'Alarms')!.properties.alarms as string[];
    expect(alarmIds.filter((id) => id.startsWith('MonitoringAlarmstumorensemble'))).toHaveLength(6);
    expect(alarmIds.filter((id) => id.startsWith('SageMakerEndpointtumorensemble'))).toHaveLength(3);
    expect(body.widgets[0]!.properties.markdown).toMatch(/Drift reports: `s3:\/\/.*\/drift-reports\/tumor-ensemble\/1\.0\.0\/`/);
  });

  it('refuses a SageMaker-served model whose source names another version than its model.json', () => {
    const [breast, churn, tumor] = completeConfig.models;
    const config = { ...completeConfig, models: [breast, churn, { ...tumor, source: 'examples/models/tumor-ensemble/2.0.0' }] };
    expect(() => synth(config as InferenceConfig)).toThrow('models[2].source names version 2.0.0 but models[2].serving.modelJson holds version 1.0.0');
  });
});

describe('Monitoring switches', () => {
  it('deploys neither capture nor monitoring when monitoring is off', () => {
    // The rollout's own error and latency alarms without monitoring are tested with the rollout.
    const { template } = synth({ ...defaultConfig, monitoring: { enabled: false }, rollout: { enabled: false } });
    for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::Dashboard', 'AWS::SNS::Topic', 'AWS::Events::Rule', 'AWS::SSM::Parameter']) template.resourceCountIs(type, 0);
    expect(functionNamed(template, 'predict').properties.Environment.Variables.CAPTURE_URI).toBeUndefined();
  });

  it('turns off capture, the jobs or retraining one by one, with no unacknowledged cdk-nag finding', () => {
    const { stack, template } = synth({ ...defaultConfig, monitoring: { capture: { enabled: false }, labelQuality: { enabled: false }, retraining: { enabled: false } } });
    expect(functionNamed(template, 'predict').properties.Environment.Variables.CAPTURE_URI).toBeUndefined();
    expect(() => functionNamed(template, 'label-quality')).toThrow();
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    expect(nagFindings(stack)).toEqual([]);
  });

  it('refuses monitoring an S3 model whose prefix does not end in its version, naming the source', () => {
    expect(() => synth({ ...defaultConfig, models: [{ name: 'churn', source: 's3://my-models/churn/latest' }] })).toThrow(
      'models[0].source must end in the model version (s3://bucket/prefix/1.0.0) for monitoring',
    );
  });
});
