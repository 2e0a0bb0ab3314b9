import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { type RetrainingPorts, triggerRetraining } from '../core/retraining/retraining-trigger.ts';
import { joinKey, openLocation } from '../core/storage/location.ts';
import { step } from '../shared/step.ts';
import { parse } from '../shared/parse.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { AlarmStateChange, alarmedModel } from './alarm-event.ts';

const Env = z.object({
  RETRAINING_STATE_MACHINE_ARN: z.string().min(1),
  COOLDOWN_PARAMETER: z.string().startsWith('/'),
  COOLDOWN_HOURS: z.coerce.number().positive(),
  REPORTS_URI: z.string().min(1),
});
const env = parse(Env, process.env, 'environment');
const ssm = new SSMClient({});
const sfn = new SFNClient({});

/** The last start per model, one JSON parameter: {"<model>": "<ISO time>"}. */
async function starts(): Promise<Record<string, string>> {
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: env.COOLDOWN_PARAMETER }));
    return JSON.parse(Parameter?.Value ?? '{}') as Record<string, string>;
  } catch (err) {
    if (err instanceof ParameterNotFound) return {};
    throw err;
  }
}

const ports: RetrainingPorts = {
  lastStart: async (model) => {
    const at = (await starts())[model];
    return at ? new Date(at) : undefined;
  },
  recordStart: async (model, at) => {
    const value = JSON.stringify({ ...(await starts()), [model]: at.toISOString() });
    await ssm.send(new PutParameterCommand({ Name: env.COOLDOWN_PARAMETER, Value: value, Type: 'String', Overwrite: true }));
  },
  start: async (request) => {
    const res = await sfn.send(new StartExecutionCommand({ stateMachineArn: env.RETRAINING_STATE_MACHINE_ARN, input: JSON.stringify(request) }));
    return res.executionArn!;
  },
};

/** The newest drift report of a model version (report names start with their timestamp). */
async function latestReport(model: string, version: string): Promise<string | undefined> {
  const reports = openLocation(env.REPORTS_URI);
  const listed = await reports.store.list(joinKey(reports.key, `${model}/${version}/`));
  const last = listed.filter((o) => o.key.endsWith('.json')).at(-1);
  return last && reports.store.uri(last.key);
}

/** Starts retraining when a model's overall drift alarm goes to ALARM, at most once per cooldown. */
export const handler = step(async (event: unknown) => {
  const change = parse(AlarmStateChange, event);
  const alarm = change.detail.alarmName;
  if (change.detail.state.value !== 'ALARM') {
    metrics.addMetric('RetrainingIgnored', MetricUnit.Count, 1);
    return { started: false, reason: `alarm ${alarm} is ${change.detail.state.value}` };
  }
  const target = alarmedModel(change);
  if (!target) throw new Error(`alarm ${alarm} has no model and version dimensions to retrain`);
  const outcome = await triggerRetraining(
    { ...target, reason: 'drift', alarm, driftReport: await latestReport(target.model, target.version) },
    ports,
    env.COOLDOWN_HOURS,
  );
  logger.info('retraining trigger', { alarm, ...target, ...outcome });
  metrics.addMetric(outcome.started ? 'RetrainingStarted' : 'RetrainingCoolingDown', MetricUnit.Count, 1);
  return outcome;
});
