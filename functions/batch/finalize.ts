import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { finalizeJob } from '../core/batch/finalize-job.ts';
import { openLocation } from '../core/storage/location.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { FinalizeEvent } from './events.ts';
import { parse } from '../shared/parse.ts';
import { step } from '../shared/step.ts';

/** Step 3: account for every row and write `_manifest.json`, also after a failed plan or map. */
export const handler = step(async (event: unknown) => {
  const { job, plan, error } = parse(FinalizeEvent, event);
  const { manifest, uri } = await finalizeJob(job, plan, openLocation(job.output), error);
  logger.info('run finalized', { status: manifest.status, reasons: manifest.reasons, manifest: uri });
  metrics.addMetric(manifest.status === 'succeeded' ? 'BatchRunsSucceeded' : 'BatchRunsFailed', MetricUnit.Count, 1);
  return {
    status: manifest.status,
    manifest: uri,
    rowsIn: manifest.rowsIn,
    rowsScored: manifest.rowsScored,
    rowsRejected: manifest.rowsRejected,
    failedChunks: manifest.failedChunks.length,
  };
});
