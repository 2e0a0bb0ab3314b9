import { recentShadowPartitions, SHADOW_PREFIX } from '../capture/capture-record.ts';
import { readRecords } from '../capture/read-records.ts';
import { joinKey } from '../storage/location.ts';
import type { Location } from '../storage/object-store.ts';
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

const stamp = (d: Date) => d.toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');

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
  const base = joinKey(job.reports.key, `${job.model}/${job.version}/shadow-${job.candidate}/${stamp(now)}`);
  await job.reports.store.write(`${base}.json`, `${JSON.stringify({ ...shadowFigures(report), skipped: summary.skipped }, null, 2)}\n`);
  await job.reports.store.write(`${base}.html`, renderShadowReport(summary, { input: job.capture.store.uri(joinKey(job.capture.key, `${SHADOW_PREFIX}${job.model}/${job.version}/${job.candidate}/`)), createdAt: now.toISOString() }));
  return { report, uri: job.reports.store.uri(`${base}.json`), skipped: summary.skipped };
}
