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

const ModelIdentity = z.object({ name: z.string().min(1), version: z.string().min(1), sha256: z.string().min(1) });
const RunError = z.object({ Error: z.string(), Cause: z.string().optional() });

/** The Batch Transform state machine's state when it reaches finalize (lib/batch-transform.ts). */
export const FinalizeTransformEvent = z.object({
  job: z.object({ model: z.string().min(1), input: z.string().min(1), output: z.string().min(1), format: z.enum(['csv', 'jsonl']) }),
  run: z.object({ transformJob: z.string().min(1), startedAt: z.string().min(1), model: ModelIdentity }),
  transform: z.object({ status: z.string() }).optional(),
  error: RunError.optional(),
});
