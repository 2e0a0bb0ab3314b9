import { finalizeTransform } from '../core/batch/finalize-transform.ts';
import { openLocation } from '../core/storage/location.ts';
import { parse } from '../shared/parse.ts';
import { step } from '../shared/step.ts';
import { FinalizeTransformEvent } from './events.ts';
import { runOutcome } from './run-outcome.ts';

/** The Batch Transform run's last step: reconcile its output against its input and write `_manifest.json`, also after a failed job. */
export const handler = step(async (event: unknown) => {
  const { job, run, transform, error } = parse(FinalizeTransformEvent, event);
  const { manifest, uri } = await finalizeTransform({ job, ...run, status: transform?.status, error }, openLocation(job.input), openLocation(job.output));
  return runOutcome(manifest, uri, { transformJob: run.transformJob });
});
