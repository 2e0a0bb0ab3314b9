import { recentShadowPartitions, SHADOW_PREFIX } from '../capture/capture-record.ts';
import { readRecords } from '../capture/read-records.ts';
import { joinKey } from '../storage/location.ts';
import type { Location } from '../storage/object-store.ts';
import { writeReport } from '../reports/write-report.ts';
import { renderShadowReport } from './shadow-html.ts';
import { type ShadowPairReport, shadowFigures, summarizeShadow } from './shadow-report.ts';

export interface ShadowJob {
  readonly model: string;
  /** The primary version, which the shadow ran beside. */
  readonly version: string;
  readonly candidate: string;
  /** The capture location: shadow records are under `_shadow/<model>/<version>/<candidate>/dt=…/hr=…/`. */
  readonly capture: Location;
  /** Where reports go: `<reports>/<model>/<version>/shadow-<candidate>/<time>.{json,html}`, beside the model's drift reports. */
  readonly reports: Location;
  /** Hours of shadow records, up to now, the report covers. */
  readonly windowHours: number;
  readonly now?: Date;
}

/**
 * The scheduled shadow comparison: the last `windowHours` of a pair's shadow records, as the same
 * JSON and HTML report `npm run shadow` makes. Returns it, or undefined when no request was mirrored
 * and captured in the window.
 */
export async function runShadowJob(job: ShadowJob): Promise<{ report: ShadowPairReport; uri: string; skipped: number } | undefined> {
  const now = job.now ?? new Date();
  const { records } = await readRecords(job.capture, recentShadowPartitions(job.model, job.version, job.candidate, now, job.windowHours));
  const summary = summarizeShadow(records);
  const report = summary.pairs[0];
  if (!report) return undefined;
  const source = job.capture.store.uri(joinKey(job.capture.key, `${SHADOW_PREFIX}${job.model}/${job.version}/${job.candidate}/`));
  const uri = await writeReport(job.reports, `${job.model}/${job.version}/shadow-${job.candidate}`, now, { ...shadowFigures(report), skipped: summary.skipped }, renderShadowReport(summary, { input: source, createdAt: now.toISOString() }));
  return { report, uri, skipped: summary.skipped };
}
