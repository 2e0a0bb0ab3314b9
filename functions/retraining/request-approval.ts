import { joinKey, openLocation } from '../core/storage/location.ts';
import { logger } from '../shared/powertools.ts';
import { parse } from '../shared/parse.ts';
import { step } from '../shared/step.ts';
import { ApprovalEvent, Settings } from './events.ts';

/**
 * Optional gate step: writes the approval request (the candidate's and production's metrics and the
 * task token) to `<registry>/<model>/approvals/<version>.json` and logs it. The run waits until someone
 * answers `aws stepfunctions send-task-success --task-token <token> --task-output '{}'` (or
 * `send-task-failure` to reject), or until the approval times out.
 */
export const handler = step(async (event: unknown) => {
  const { taskToken, state } = parse(ApprovalEvent, event);
  const env = parse(Settings, process.env, 'environment');
  const registry = openLocation(env.REGISTRY_URI);
  const key = joinKey(registry.key, `${state.model}/approvals/${state.prepare.candidateVersion}.json`);
  const request = { model: state.model, candidate: state.prepare.candidateVersion, production: state.prepare.production?.version ?? null, evaluation: state.evaluation, taskToken, requestedAt: new Date().toISOString() };
  await registry.store.write(key, `${JSON.stringify(request, null, 2)}\n`);
  logger.info('approval requested', { model: state.model, candidate: state.prepare.candidateVersion, request: registry.store.uri(key) });
  return { request: registry.store.uri(key) };
});
