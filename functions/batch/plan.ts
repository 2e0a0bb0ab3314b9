import { planJob } from '../core/batch/plan-job.ts';
import { openLocation } from '../core/storage/location.ts';
import { logger } from '../shared/powertools.ts';
import { PlanEvent, parseEvent } from './events.ts';
import { batchStep } from './middleware.ts';

/** Step 1: list the input, split it into chunks, and write the chunk list for the Distributed Map. */
export const handler = batchStep(async (event: unknown) => {
  const { job } = parseEvent(PlanEvent, event);
  const { plan } = await planJob(job, openLocation(job.input), openLocation(job.output));
  logger.info('planned', { chunks: plan.chunks, objects: plan.objects, bytes: plan.bytes });
  return plan;
});
