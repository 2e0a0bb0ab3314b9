import { finalizeJob } from '../core/batch/finalize-job.ts';
import { openLocation } from '../core/storage/location.ts';
import { parse } from '../shared/parse.ts';
import { step } from '../shared/step.ts';
import { FinalizeEvent } from './events.ts';
import { runOutcome } from './run-outcome.ts';

/** Step 3: account for every row and write `_manifest.json`, also after a failed plan or map. */
export const handler = step(async (event: unknown) => {
  const { job, plan, error } = parse(FinalizeEvent, event);
  const { manifest, uri } = await finalizeJob(job, plan, openLocation(job.output), error);
  return runOutcome(manifest, uri);
});
