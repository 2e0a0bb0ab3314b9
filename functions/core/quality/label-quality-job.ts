import { recentPartitions } from '../capture/capture-record.ts';
import { readRecords } from '../capture/read-records.ts';
import type { ModelPackage } from '../model-package.ts';
import type { Location } from '../storage/object-store.ts';
import { type CapturedPrediction, type LabelRecord, type LiveQuality, liveQuality } from './live-quality.ts';

export interface LabelQualityJob {
  readonly pkg: ModelPackage;
  /** Captured requests: `<capture>/<model>/<version>/dt=…/hr=…/*.jsonl`. */
  readonly capture: Location;
  /** Label files for the model: `<labels>/<model>/**.jsonl`, records `{requestId, index?, label | value}`. */
  readonly labels: Location;
  /** Hours of captures joined, up to now. */
  readonly windowHours: number;
  readonly now?: Date;
}

/** Live quality of a model version over a window of captured predictions and whatever labels have arrived. */
export async function runLabelQuality(job: LabelQualityJob): Promise<LiveQuality & { capturedRows: number; labelRows: number; skipped: number }> {
  const { pkg } = job;
  const partitions = recentPartitions(pkg.name, pkg.version, job.now ?? new Date(), job.windowHours);
  const captured = await readRecords(job.capture, partitions);
  const labels = await readRecords(job.labels, [`${pkg.name}/`]);
  const quality = liveQuality(pkg, captured.records as unknown as CapturedPrediction[], labels.records as unknown as LabelRecord[]);
  return { ...quality, capturedRows: captured.records.length, labelRows: labels.records.length, skipped: captured.skipped + labels.skipped };
}
