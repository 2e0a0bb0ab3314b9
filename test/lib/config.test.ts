import { describe, expect, it } from 'vitest';
import completeConfig from '../../examples/complete.config.ts';
import defaultConfig from '../../inference.config.ts';
import { type InferenceConfig, parseSource, validateConfig } from '../../lib/config.ts';

const base: InferenceConfig = { stackName: 'Inference', models: [{ name: 'breast-cancer', source: 'models/breast-cancer/1.0.0' }] };
const withConfig = (patch: object) => () => validateConfig({ ...base, ...patch } as InferenceConfig);

describe('validateConfig', () => {
  it('accepts the shipped default config, which serves the bundled breast-cancer model', () => {
    expect(validateConfig(defaultConfig)).toBe(defaultConfig);
    expect(defaultConfig.models).toEqual([{ name: 'breast-cancer', source: 'models/breast-cancer/1.0.0' }]);
  });

  it('accepts the complete example, which sets every field', () => {
    expect(validateConfig(completeConfig)).toBe(completeConfig);
  });

  it('accepts bundled folders and s3:// prefixes side by side', () => {
    const models = [...base.models, { name: 'churn', source: 's3://my-models/churn/2.1.0/' }];
    expect(() => withConfig({ models })()).not.toThrow();
  });

  it('names the stack name when it is not a CloudFormation stack name', () => {
    expect(withConfig({ stackName: '1-bad_name' })).toThrow(/^stackName must start with a letter/);
  });

  it('names every problem of a config at once, each on a line of its own', () => {
    const config = {
      ...base,
      stackName: '1-bad',
      predict: { memorySize: 64, logLevel: 'LOUD' },
      batch: { worker: { maxBatch: 0 }, schedules: [{ name: 'nightly', cron: 'every night', model: 'churn', input: 'input/x/', output: 'output/x/' }] },
      monitoring: { alarms: { latencyP99Ms: -1, minAuc: 2 } },
      rollout: { strategy: 'fast', autoRollback: 'yes' },
    };
    expect(withConfig(config)).toThrow(
      [
        'the config has 10 problems:',
        '- stackName must start with a letter and hold only letters, digits and dashes (at most 128), got "1-bad"',
        '- predict.memorySize must be an integer between 128 and 10240, got 64',
        "- predict.logLevel must be one of 'DEBUG', 'INFO', 'WARN', 'ERROR', got \"LOUD\"",
        '- batch.worker.maxBatch must be an integer between 1 and 100000, got 0',
        "- batch.schedules[0].cron must be an EventBridge Scheduler expression such as 'cron(0 3 * * ? *)' or 'rate(1 day)', got \"every night\"",
        '- batch.schedules[0].model must name one of models (breast-cancer), got "churn"',
        '- monitoring.alarms.latencyP99Ms must be a number above 0 and at most 900000, got -1',
        '- monitoring.alarms.minAuc must be a number above 0 and at most 1, got 2',
        "- rollout.strategy must be one of 'canary', 'linear', 'all-at-once', got \"fast\"",
        '- rollout.autoRollback must be true or false, got "yes"',
      ].join('\n'),
    );
  });

  it('does not run a check on a field already named as wrong: one problem, one line, no crash', () => {
    const schedule = { cron: 'rate(1 day)', model: 'breast-cancer', input: 'input/x', output: 'output/x/' };
    expect(
      withConfig({
        api: { auth: 'apikey', quota: { limit: 10, period: 'DAY' } },
        batch: { bucket: { inputPrefix: 5 }, schedules: [schedule, schedule] },
      }),
    ).toThrow(
      [
        'the config has 4 problems:',
        "- api.auth must be one of 'iam', 'apiKey', got \"apikey\"",
        "- batch.bucket.inputPrefix must be a key prefix ending in '/' (letters, digits, !_.'()-/), got 5",
        "- batch.schedules[0].name must be 1 to 64 letters, digits, '-', '_' or '.', got undefined",
        "- batch.schedules[1].name must be 1 to 64 letters, digits, '-', '_' or '.', got undefined",
      ].join('\n'),
    );
  });

  it('stops at the models when they are wrong, as every other check reads them, having named each of their problems', () => {
    expect(withConfig({ models: [], predict: { memorySize: 64 } })).toThrow(/^models must list at least one model$/);
    const models = [
      { name: 'Churn', source: 'models/churn/1.0.0' },
      { name: 'breast-cancer', source: 'models/breast-cancer/1.0.0', experiment: { variants: [{ source: 'models/breast-cancer/1.0.0', percent: 150 }], stickyHeader: 'x y' } },
    ];
    expect(withConfig({ models, predict: { memorySize: 64 } })).toThrow(
      [
        'the config has 4 problems:',
        '- models[0].name must be lowercase letters, digits and dashes (at most 63), got "Churn"',
        '- models[1].experiment.variants[0].source serves version 1.0.0 a second time',
        '- models[1].experiment.variants[0].percent must be a number above 0 and below 100, got 150',
        '- models[1].experiment.stickyHeader must be an HTTP header name, got "x y"',
      ].join('\n'),
    );
  });

  it('requires at least one model', () => {
    expect(withConfig({ models: [] })).toThrow('models must list at least one model');
  });

  it('names the model whose name is not a valid model name', () => {
    const models = [...base.models, { name: 'Churn Model', source: 'models/churn/1.0.0' }];
    expect(withConfig({ models })).toThrow(/^models\[1\]\.name must be lowercase letters, digits and dashes/);
  });

  it('names the model listed twice', () => {
    expect(withConfig({ models: [base.models[0], base.models[0]] })).toThrow('models[1].name breast-cancer is listed twice');
  });

  it.each([
    ['an absolute path', '/models/breast-cancer/1.0.0'],
    ['a path escaping the repo', 'models/../../etc/1.0.0'],
    ['a folder without a version', 'models/breast-cancer'],
    ['a path with shell characters', 'models/$(rm -rf)/1.0.0'],
  ])('names the model source when it is %s', (_, source) => {
    expect(withConfig({ models: [{ name: 'm', source }] })).toThrow(/^models\[0\]\.source must be a repo-relative folder ending in a version/);
  });

  it('names the model source when an s3:// URI has no prefix', () => {
    expect(withConfig({ models: [{ name: 'm', source: 's3://bucket' }] })).toThrow(/^models\[0\]\.source must be s3:\/\/bucket\/prefix/);
  });

  it.each([
    ['predict.memorySize', { predict: { memorySize: 64 } }, 'must be an integer between 128 and 10240, got 64'],
    ['predict.timeoutSeconds', { predict: { timeoutSeconds: 30 } }, 'must be an integer between 1 and 29, got 30'],
    ['predict.intraOpNumThreads', { predict: { intraOpNumThreads: 0 } }, 'must be an integer between 1 and 6, got 0'],
    ['predict.maxBatch', { predict: { maxBatch: 1.5 } }, 'must be an integer between 1 and 100000, got 1.5'],
    ['predict.maxBodyBytes', { predict: { maxBodyBytes: 7_000_000 } }, 'must be an integer between 1 and 6291456, got 7000000'],
    ['predict.reservedConcurrency', { predict: { reservedConcurrency: 0 } }, 'must be an integer between 1 and 100000, got 0'],
    ['predict.logRetentionDays', { predict: { logRetentionDays: 2 } }, 'must be one of 1, 3, 5, 7, 14, 30'],
    ['predict.architecture', { predict: { architecture: 'x86' } }, "must be one of 'arm64', 'x86_64', got \"x86\""],
    ['predict.logLevel', { predict: { logLevel: 'TRACE' } }, "must be one of 'DEBUG', 'INFO', 'WARN', 'ERROR'"],
    ['api.auth', { api: { auth: 'cognito' } }, "must be one of 'iam', 'apiKey'"],
    ['api.throttling.rateLimit', { api: { throttling: { rateLimit: -1 } } }, 'must be an integer between 1 and 100000, got -1'],
    ['api.throttling.burstLimit', { api: { throttling: { burstLimit: 0 } } }, 'must be an integer between 1 and 100000, got 0'],
    ['api.quota.period', { api: { auth: 'apiKey', quota: { limit: 10, period: 'YEAR' } } }, "must be one of 'DAY', 'WEEK', 'MONTH'"],
    ['api.accessLogRetentionDays', { api: { accessLogRetentionDays: 31 } }, 'must be one of 1, 3, 5, 7, 14, 30'],
    ['metricsNamespace', { metricsNamespace: 'a:b' }, "must be 1 to 255 characters, not starting with $ and without ':'"],
  ])('names %s when it is out of range', (prop, patch, message) => {
    expect(withConfig(patch)).toThrow(`${prop} ${message}`);
  });

  it.each([
    ['batch.bucket.existingBucketName', { bucket: { existingBucketName: 'Bad_Bucket' } }, 'must be an S3 bucket name'],
    ['batch.bucket.encryption', { bucket: { encryption: 'aes' } }, "must be one of 'kms', 's3-managed'"],
    ['batch.bucket.accessLogsExpirationDays', { bucket: { accessLogsExpirationDays: 0 } }, 'must be an integer between 1 and 3650, got 0'],
    ['batch.bucket.inputPrefix', { bucket: { inputPrefix: 'in' } }, "must be a key prefix ending in '/'"],
    ['batch.bucket.outputPrefix', { bucket: { outputPrefix: 'out/*/' } }, "must be a key prefix ending in '/'"],
    ['batch.worker.memorySize', { worker: { memorySize: 20_000 } }, 'must be an integer between 128 and 10240, got 20000'],
    ['batch.worker.architecture', { worker: { architecture: 'arm' } }, "must be one of 'arm64', 'x86_64'"],
    ['batch.worker.timeoutSeconds', { worker: { timeoutSeconds: 901 } }, 'must be an integer between 1 and 900, got 901'],
    ['batch.worker.maxConcurrency', { worker: { maxConcurrency: 0 } }, 'must be an integer between 1 and 10000, got 0'],
    ['batch.worker.chunksPerInvocation', { worker: { chunksPerInvocation: 0 } }, 'must be an integer between 1 and 1000, got 0'],
    ['batch.worker.retry.maxAttempts', { worker: { retry: { maxAttempts: 100 } } }, 'must be an integer between 0 and 99, got 100'],
    ['batch.worker.retry.backoffRate', { worker: { retry: { backoffRate: 0.5 } } }, 'must be a number between 1 and 10, got 0.5'],
    ['batch.worker.retry.intervalSeconds', { worker: { retry: { intervalSeconds: 0 } } }, 'must be an integer between 1 and 3600, got 0'],
    ['batch.chunkBytes', { chunkBytes: 100 }, 'must be an integer between 1024 and'],
    ['batch.toleratedFailurePercentage', { toleratedFailurePercentage: 101 }, 'must be a number between 0 and 100, got 101'],
    ['batch.logRetentionDays', { logRetentionDays: 2 }, 'must be one of 1, 3, 5'],
  ])('names %s when it is out of range', (prop, batch, message) => {
    expect(withConfig({ batch })).toThrow(`${prop} ${message}`);
  });

  it('refuses input and output prefixes that contain one another', () => {
    expect(withConfig({ batch: { bucket: { inputPrefix: 'data/', outputPrefix: 'data/scored/' } } })).toThrow(
      'batch.bucket.inputPrefix and outputPrefix must not contain one another',
    );
  });

  describe('batch schedules', () => {
    const schedule = { name: 'nightly', cron: 'cron(0 3 * * ? *)', model: 'breast-cancer', input: 'input/daily/', output: 'output/daily/' };
    const withSchedule = (patch: object) => withConfig({ batch: { schedules: [{ ...schedule, ...patch }] } });

    it('accepts a schedule with every field set', () => {
      expect(withSchedule({ timezone: 'Europe/Paris', format: 'parquet', idColumn: 'id', chunkBytes: 2048, toleratedFailurePercentage: 1, engine: 'lambda' })).not.toThrow();
    });

    it.each([
      ['name', { name: 'has space' }, "must be 1 to 64 letters, digits, '-', '_' or '.'"],
      ['cron', { cron: '0 3 * * ? *' }, "must be an EventBridge Scheduler expression such as 'cron(0 3 * * ? *)'"],
      ['timezone', { timezone: 'Mars/Olympus' }, 'must be an IANA time zone'],
      ['model', { model: 'churn' }, 'must name one of models (breast-cancer), got "churn"'],
      ['input', { input: 'other/daily/' }, "must be a key or prefix under batch.bucket.inputPrefix 'input/'"],
      ['output', { output: 'input/x/' }, "must be a prefix under batch.bucket.outputPrefix 'output/'"],
      ['format', { format: 'xml' }, "must be one of 'csv', 'jsonl', 'parquet'"],
      ['idColumn', { idColumn: '' }, 'must be a non-empty column name'],
      ['chunkBytes', { chunkBytes: 10 }, 'must be an integer between 1024'],
      ['toleratedFailurePercentage', { toleratedFailurePercentage: -1 }, 'must be a number between 0 and 100'],
      ['engine', { engine: 'glue' }, "must be one of 'lambda', 'sagemaker-batch-transform'"],
    ])('names batch.schedules[0].%s when it is invalid', (prop, patch, message) => {
      expect(withSchedule(patch)).toThrow(`batch.schedules[0].${prop} ${message}`);
    });

    it('refuses the SageMaker Batch Transform engine for a Lambda-served model, naming the prop', () => {
      expect(withSchedule({ engine: 'sagemaker-batch-transform' })).toThrow(
        "batch.schedules[0].engine 'sagemaker-batch-transform' needs a SageMaker-served model, but breast-cancer is served by Lambda",
      );
    });

    it('names a schedule listed twice', () => {
      expect(withConfig({ batch: { schedules: [schedule, schedule] } })).toThrow('batch.schedules[1].name nightly is listed twice');
    });
  });

  it('refuses a usage plan quota unless auth is apiKey', () => {
    expect(withConfig({ api: { quota: { limit: 10, period: 'DAY' } } })).toThrow("api.quota only applies with api.auth 'apiKey'");
  });
});

describe('parseSource', () => {
  it('takes the version of a bundled model from its folder name', () => {
    expect(parseSource('s', 'models/breast-cancer/1.0.0')).toEqual({ kind: 'bundled', folder: 'models/breast-cancer/1.0.0', version: '1.0.0' });
  });

  it('splits an s3:// URI into bucket and prefix, without a trailing slash', () => {
    expect(parseSource('s', 's3://my-models/churn/2.1.0/')).toEqual({ kind: 's3', bucket: 'my-models', prefix: 'churn/2.1.0' });
  });
});

describe('validateConfig: monitoring', () => {
  const monitoring = (patch: object) => withConfig({ monitoring: patch });

  it('is on by default and accepts every field of the complete example', () => {
    expect(() => withConfig({})()).not.toThrow();
    expect(() => withConfig({ models: completeConfig.models, monitoring: completeConfig.monitoring })()).not.toThrow();
  });

  it.each([
    [{ bucket: { encryption: 'aes' } }, "monitoring.bucket.encryption must be one of 'kms', 's3-managed', got \"aes\""],
    [{ bucket: { captureExpirationDays: 0 } }, 'monitoring.bucket.captureExpirationDays must be an integer between 1 and 3650, got 0'],
    [{ capture: { sampleRate: 1.5 } }, 'monitoring.capture.sampleRate must be a number between 0 and 1, got 1.5'],
    [{ capture: { features: [] } }, 'monitoring.capture.features must be a non-empty list of feature names, got []'],
    [{ capture: { features: { wine: ['x'] } } }, 'monitoring.capture.features.wine must name one of models (breast-cancer), got "wine"'],
    [{ drift: { schedule: 'every day' } }, 'monitoring.drift.schedule must be an EventBridge Scheduler expression'],
    [{ labelQuality: { timezone: 'Mars/Olympus' } }, 'monitoring.labelQuality.timezone must be an IANA time zone'],
    [{ shadowReport: { windowHours: 0 } }, 'monitoring.shadowReport.windowHours must be an integer between 1 and 2160, got 0'],
    [{ drift: { windowHours: 0 } }, 'monitoring.drift.windowHours must be an integer between 1 and 2160, got 0'],
    [{ alarms: { latencyP99Ms: 0 } }, 'monitoring.alarms.latencyP99Ms must be a number above 0 and at most 900000, got 0'],
    [{ alarms: { serverErrorRatePercent: 150 } }, 'monitoring.alarms.serverErrorRatePercent must be a number above 0 and at most 100, got 150'],
    [{ alarms: { minAccuracy: 1.2 } }, 'monitoring.alarms.minAccuracy must be a number above 0 and at most 1, got 1.2'],
    [{ alarms: { throttles: 0.5 } }, 'monitoring.alarms.throttles must be an integer between 1 and 1000000000, got 0.5'],
    [{ alarms: { concurrencyPercent: 0 } }, 'monitoring.alarms.concurrencyPercent must be a number above 0 and at most 100, got 0'],
    [{ alarms: { models: { churn: {} } } }, 'monitoring.alarms.models.churn must name one of models (breast-cancer), got "churn"'],
    [{ alarms: { models: { 'breast-cancer': { featurePsi: -1 } } } }, 'monitoring.alarms.models.breast-cancer.featurePsi must be a number above 0 and at most 10, got -1'],
    [{ notifications: { emails: ['oncall'] } }, 'monitoring.notifications.emails[0] must be an email address, got "oncall"'],
    [{ retraining: { stateMachineArn: 'my-state-machine' } }, 'monitoring.retraining.stateMachineArn must be a Step Functions state machine ARN, got "my-state-machine"'],
    [{ retraining: { cooldownHours: 0 } }, 'monitoring.retraining.cooldownHours must be an integer between 1 and 8760, got 0'],
    [{ logRetentionDays: 10 }, 'monitoring.logRetentionDays must be one of'],
  ])('names the invalid prop: %j', (patch, message) => {
    expect(monitoring(patch)).toThrow(message);
  });

  it('requires an S3 model prefix to end in its version, which the metrics carry, unless monitoring is off', () => {
    const models = [{ name: 'churn', source: 's3://my-models/churn/latest' }];
    expect(withConfig({ models })).toThrow('models[0].source must end in the model version (s3://bucket/prefix/1.0.0) for monitoring');
    expect(withConfig({ models, monitoring: { enabled: false } })).not.toThrow();
  });
});
