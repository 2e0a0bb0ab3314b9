import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PROJECT_ROOT } from '../../lib/handler-function.ts';
import { CDK_CONTEXT } from '../lib/cdk.ts';

/** Runs bin/app.ts the way the cdk CLI does (context and outdir through the environment), without bundling. */
function runApp(context: Record<string, unknown> = {}, preload: string[] = []) {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-app-'));
  onTestFinished(() => rmSync(outdir, { recursive: true, force: true }));
  const run = spawnSync(process.execPath, ['--import', 'tsx', ...preload.flatMap((p) => ['--import', p]), 'bin/app.ts'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context }) },
  });
  const read = (file: string) => JSON.parse(readFileSync(join(outdir, file), 'utf8'));
  return { status: run.status, stderr: run.stderr, read };
}

function writeConfig(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'inference-config-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'my.config.ts'), text);
  return join(dir, 'my.config.ts');
}

describe('bin/app.ts', () => {
  it('synthesizes the stack of inference.config.ts, with no cdk-nag AwsSolutions violation', () => {
    const app = runApp();
    expect(app.stderr).not.toMatch(/Error/);
    expect(app.status).toBe(0);
    const template = app.read('ServerlessInference.template.json');
    expect(Object.values(template.Resources).map((r) => (r as { Type: string }).Type)).toContain('AWS::Lambda::Function');
    expect(app.read('validation-report.json').pluginReports).toEqual([]);
  });

  it('fails the synth on an unacknowledged cdk-nag AwsSolutions finding', () => {
    const app = runApp({}, ['./test/bin/fixtures/unacknowledged-bucket.ts']);
    expect(app.status).not.toBe(0);
    expect(app.stderr).toContain('Validation failed');
    const [report] = app.read('validation-report.json').pluginReports;
    expect(report).toMatchObject({ pluginName: 'AwsSolutions', conclusion: 'failure' });
    expect(report.violations.map((v: { ruleName: string }) => v.ruleName)).toContain('AwsSolutions-S1');
  });

  it('builds the config named by -c config instead', () => {
    const config = writeConfig(`export default { stackName: 'OtherInference', models: [{ name: 'churn', source: 's3://my-models/churn/2.1.0' }] };`);
    const app = runApp({ config });
    expect(app.status).toBe(0);
    const fn = Object.values(app.read('OtherInference.template.json').Resources).find((r) => (r as { Type: string }).Type === 'AWS::Lambda::Function');
    expect(fn).toMatchObject({ Properties: { Environment: { Variables: { MODELS: '["s3://my-models/churn/2.1.0"]' } } } });
  });

  it('synthesizes the complete example config, with no cdk-nag AwsSolutions violation', () => {
    const app = runApp({ config: 'examples/complete.config.ts' });
    expect(app.stderr).not.toMatch(/Error/);
    expect(app.status).toBe(0);
    const types = Object.values(app.read('InferenceComplete.template.json').Resources).map((r) => (r as { Type: string }).Type);
    expect(types).toEqual(expect.arrayContaining(['AWS::StepFunctions::StateMachine', 'AWS::Scheduler::Schedule', 'AWS::KMS::Key']));
    expect(app.read('validation-report.json').pluginReports).toEqual([]);
  });

  it('synthesizes the linear rollout of the complete example: deployment group, custom config, alarms, rollback and hook', () => {
    const app = runApp({ config: 'examples/complete.config.ts' });
    expect(app.status).toBe(0);
    const resources = Object.values(app.read('InferenceComplete.template.json').Resources) as { Type: string; Properties: Record<string, any>; UpdatePolicy?: Record<string, any> }[];
    const [config] = resources.filter((r) => r.Type === 'AWS::CodeDeploy::DeploymentConfig');
    expect(config!.Properties.TrafficRoutingConfig).toEqual({ Type: 'TimeBasedLinear', TimeBasedLinear: { LinearInterval: 3, LinearPercentage: 20 } });
    const [group] = resources.filter((r) => r.Type === 'AWS::CodeDeploy::DeploymentGroup');
    expect(group!.Properties.AlarmConfiguration.Alarms).toHaveLength(8);
    expect(group!.Properties.AutoRollbackConfiguration).toEqual({ Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] });
    const [alias] = resources.filter((r) => r.Type === 'AWS::Lambda::Alias');
    expect(alias!.UpdatePolicy!.CodeDeployLambdaAliasUpdate.BeforeAllowTrafficHook).toEqual({ Ref: expect.stringMatching(/^RolloutPreTrafficHook/) });
  });

  it('stops with an error naming the prop when the config is invalid', () => {
    const config = writeConfig(`export default { stackName: 'Bad', models: [{ name: 'm', source: 'models/m/1.0.0' }], predict: { memorySize: 64 } };`);
    const app = runApp({ config });
    expect(app.status).not.toBe(0);
    expect(app.stderr).toBe(`${config}: predict.memorySize must be an integer between 128 and 10240, got 64\n`);
  });

  it('names every invalid prop of the config in one run, a line each', () => {
    const config = writeConfig(`export default { stackName: 'Bad', models: [{ name: 'm', source: 'models/m/1.0.0' }], predict: { memorySize: 64 }, api: { auth: 'none' } };`);
    const app = runApp({ config });
    expect(app.status).not.toBe(0);
    expect(app.stderr).toBe(
      `${config}: the config has 2 problems:\n- predict.memorySize must be an integer between 128 and 10240, got 64\n- api.auth must be one of 'iam', 'apiKey', got "none"\n`,
    );
  });

  it('stops with one line naming the file when the config file does not exist', () => {
    const app = runApp({ config: 'no/such.config.ts' });
    expect(app.status).toBe(1);
    expect(app.stderr).toBe(`config file ${join(PROJECT_ROOT, 'no/such.config.ts')} not found (give another with -c config=path/to/file.ts)\n`);
  });

  it('stops with an error when the config module has no default export', () => {
    const config = writeConfig(`export const config = {};`);
    const app = runApp({ config });
    expect(app.status).not.toBe(0);
    expect(app.stderr).toContain(`${config} must default-export an InferenceConfig`);
  });
});
