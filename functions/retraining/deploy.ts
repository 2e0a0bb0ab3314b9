import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { promote } from '../core/retraining/pipeline.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { parse } from '../shared/parse.ts';
import { step } from '../shared/step.ts';
import { DeployEvent, Settings } from './events.ts';

/**
 * Step 6 (Lambda-served models): makes the registered version the production one by moving the
 * registry's production pointer. The predict function's traffic moves when the stack is deployed
 * with the model's `source` at the new version (`<registry>/<model>/versions/<version>`): `cdk deploy`
 * publishes a new function version and CodeDeploy shifts the `live` alias gradually, behind the
 * pre-traffic hook and the alarms (lib/gradual-rollout.ts). The log line and the `RetrainingDeployed`
 * metric announce it. For a SageMaker-served model the state machine runs this step only once the
 * endpoint is InService on the candidate's endpoint config (UpdateEndpoint with blue/green guardrails).
 */
export const handler = step(async (event: unknown) => {
  const { model, registered } = parse(DeployEvent, event);
  const env = parse(Settings, process.env, 'environment');
  const pointer = await promote({ registryUri: env.REGISTRY_URI, model, version: registered.version });
  logger.info('production pointer moved: deploy the stack with this source to roll it out', { model, version: pointer.version, source: registered.uri, previous: pointer.previous[0]?.version ?? null });
  metrics.addMetric('RetrainingDeployed', MetricUnit.Count, 1);
  return { ...pointer, source: registered.uri };
});
