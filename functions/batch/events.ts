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

export function parseEvent<T extends z.ZodType>(schema: T, event: unknown): z.infer<T> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new Error(`invalid event: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
