import { planJob } from '../core/batch/plan-job.ts';
import { openLocation } from '../core/storage/location.ts';
import { logger } from '../shared/powertools.ts';
import { PlanEvent } from './events.ts';
import { parse } from '../shared/parse.ts';
import { step } from '../shared/step.ts';

/** Step 1: list the input, split it into chunks, and write the chunk list for the Distributed Map. */
export const handler = step(async (event: unknown) => {
  const { job } = parse(PlanEvent, event);
  const { plan } = await planJob(job, openLocation(job.input), openLocation(job.output));
  logger.info('planned', { chunks: plan.chunks, objects: plan.objects, bytes: plan.bytes });
  return plan;
});
