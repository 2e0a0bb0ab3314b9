import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { finalizeTransform } from '../core/batch/finalize-transform.ts';
import { openLocation } from '../core/storage/location.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { parse } from '../shared/parse.ts';
import { step } from '../shared/step.ts';
import { FinalizeTransformEvent } from './events.ts';

/** The Batch Transform run's last step: reconcile its output against its input and write `_manifest.json`, also after a failed job. */
export const handler = step(async (event: unknown) => {
  const { job, run, transform, error } = parse(FinalizeTransformEvent, event);
  const { manifest, uri } = await finalizeTransform({ job, ...run, status: transform?.status, error }, openLocation(job.input), openLocation(job.output));
  logger.info('transform run finalized', { status: manifest.status, reasons: manifest.reasons, manifest: uri, transformJob: run.transformJob });
  metrics.addMetric(manifest.status === 'succeeded' ? 'BatchRunsSucceeded' : 'BatchRunsFailed', MetricUnit.Count, 1);
  return {
    status: manifest.status,
    manifest: uri,
    transformJob: run.transformJob,
    rowsIn: manifest.rowsIn,
    rowsScored: manifest.rowsScored,
    rowsRejected: manifest.rowsRejected,
    failedChunks: manifest.failedChunks.length,
  };
});
