import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createBucket, motoS3, useMotoEnvironment } from '../../support/s3.ts';

const aws = () => ({ endpoint: inject('motoEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
let handler: (event: unknown, context: unknown) => Promise<{ started: boolean; execution?: string; reason?: string }>;
let stateMachineArn: string;

const alarmEvent = (state: string, dimensions: Record<string, string> = { model: 'breast-cancer', version: '1.0.0' }) => ({
  version: '0',
  id: 'e1',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  detail: {
    alarmName: 'breast-cancer-drift',
    state: { value: state },
    configuration: { metrics: [{ id: 'm1', metricStat: { metric: { namespace: 'ServerlessInference', name: 'DriftDetected', dimensions } } }] },
  },
});

beforeAll(async () => {
  const sfn = new SFNClient(aws());
  ({ stateMachineArn } = (await sfn.send(
    new CreateStateMachineCommand({ name: 'retraining', roleArn: 'arn:aws:iam::123456789012:role/sfn', definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }) }),
  )) as { stateMachineArn: string });
  const s3 = motoS3();
  const bucket = await createBucket(s3, 'monitoring-reports');
  for (const at of ['2026-11-22T03-00-00Z', '2026-11-23T03-00-00Z']) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `reports/breast-cancer/1.0.0/${at}.json`, Body: '{}' }));
  }
  useMotoEnvironment({
    RETRAINING_STATE_MACHINE_ARN: stateMachineArn,
    COOLDOWN_PARAMETER: '/inference/retraining/last-start',
    COOLDOWN_HOURS: '24',
    REPORTS_URI: `s3://${bucket}/reports`,
  });
  ({ handler } = (await import('../../../functions/monitoring/retraining-trigger.ts')) as never);
});

describe('the retraining trigger (moto: Step Functions, SSM, S3)', () => {
  it('starts the retraining state machine with the model, the alarm and the latest drift report, once per cooldown', async () => {
    const first = await handler(alarmEvent('ALARM'), {});
    expect(first.started).toBe(true);
    const sfn = new SFNClient(aws());
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: first.execution! }));
    expect(JSON.parse(execution.input!)).toEqual({
      model: 'breast-cancer',
      version: '1.0.0',
      reason: 'drift',
      alarm: 'breast-cancer-drift',
      driftReport: 's3://monitoring-reports/reports/breast-cancer/1.0.0/2026-11-23T03-00-00Z.json',
    });
    const stored = await new SSMClient(aws()).send(new GetParameterCommand({ Name: '/inference/retraining/last-start' }));
    expect(Object.keys(JSON.parse(stored.Parameter!.Value!))).toEqual(['breast-cancer']);

    const second = await handler(alarmEvent('ALARM'), {});
    expect(second).toMatchObject({ started: false });
    expect(second.reason).toMatch(/^retraining of breast-cancer started at .*; cooling down until /);
    expect((await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions).toHaveLength(1);
  });

  it('ignores the alarm returning to OK', async () => {
    expect(await handler(alarmEvent('OK'), {})).toEqual({ started: false, reason: 'alarm breast-cancer-drift is OK' });
  });

  it('refuses an alarm that names no model', async () => {
    await expect(handler(alarmEvent('ALARM', {}), {})).rejects.toThrow('alarm breast-cancer-drift has no model and version dimensions to retrain');
  });
});
