import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Manifest } from '../core/batch/contracts.ts';
import { logger, metrics } from '../shared/powertools.ts';

/**
 * What a finalized run tells its logs, its metrics (the batch-run-failure alarm counts
 * BatchRunsFailed) and its state machine's output: the same for the Lambda and the Batch Transform
 * paths, so that one alarm and one output shape serve both.
 */
export function runOutcome(manifest: Manifest, uri: string, extra: Record<string, string> = {}) {
  logger.info('run finalized', { status: manifest.status, reasons: manifest.reasons, manifest: uri, ...extra });
  metrics.addMetric(manifest.status === 'succeeded' ? 'BatchRunsSucceeded' : 'BatchRunsFailed', MetricUnit.Count, 1);
  return {
    status: manifest.status,
    manifest: uri,
    ...extra,
    rowsIn: manifest.rowsIn,
    rowsScored: manifest.rowsScored,
    rowsRejected: manifest.rowsRejected,
    failedChunks: manifest.failedChunks.length,
  };
}
