import { z } from 'zod';
import { Chunk, JobSpec, PlanResult } from '../core/batch/contracts.ts';

/** The events the state machine sends each batch step; parsed so a malformed one fails with a message. */
export const PlanEvent = z.object({ job: JobSpec });
export const ScoreChunkEvent = z.object({ BatchInput: z.object({ job: JobSpec }), Items: z.array(Chunk).min(1) });
export const FinalizeEvent = z.object({
  job: JobSpec,
  plan: PlanResult.optional(),
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
});
