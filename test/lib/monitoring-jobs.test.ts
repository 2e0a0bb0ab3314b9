import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MonitoringJobs } from '../../lib/monitoring-jobs.ts';
import { CDK_CONTEXT } from './cdk.ts';

const MODEL_JSON = 'examples/models/tumor-ensemble/1.0.0/model.json';

describe('MonitoringJobs of SageMaker-served models', () => {
  it("ships a SageMaker-served model's model.json where MODEL_JSONS says, beside the Lambda-served packages", () => {
    const app = new App({ context: CDK_CONTEXT });
    onTestFinished(() => rmSync(app.outdir, { recursive: true, force: true }));
    const stack = new Stack(app, 'Bundled');
    const jobs = new MonitoringJobs(stack, 'Jobs', {
      bucket: new Bucket(stack, 'Monitoring'),
      prefixes: { captures: 'captures', reports: 'drift-reports', labels: 'labels' },
      models: [{ name: 'breast-cancer', source: 'models/breast-cancer/1.0.0' }],
      endpointModels: [{ name: 'tumor-ensemble', modelJson: MODEL_JSON }],
      labelQuality: { enabled: false },
    });
    const dir = join(app.outdir, (jobs.drift!.function.node.findChild('Code') as Asset).assetPath);
    const [drift] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).filter((f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === 'drift-job');
    const path = JSON.parse(drift!.Properties.Environment.Variables.MODEL_JSONS)['tumor-ensemble'] as string;
    expect(readFileSync(join(dir, path.replace(/^\/var\/task\//, '')), 'utf8')).toBe(readFileSync(MODEL_JSON, 'utf8'));
    expect(existsSync(join(dir, 'models/breast-cancer/1.0.0/model.onnx'))).toBe(true);
  });

  it('refuses a model.json that names another model, naming the prop', () => {
    const stack = new Stack(new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } }), 'Unbundled');
    const jobs = () =>
      new MonitoringJobs(stack, 'Jobs', {
        bucket: new Bucket(stack, 'Monitoring'),
        prefixes: { captures: 'captures', reports: 'drift-reports', labels: 'labels' },
        models: [{ name: 'breast-cancer', source: 'models/breast-cancer/1.0.0' }],
        endpointModels: [{ name: 'tumor', modelJson: MODEL_JSON }],
      });
    expect(jobs).toThrow(`models tumor: serving.modelJson ${MODEL_JSON} holds model tumor-ensemble`);
  });
});
