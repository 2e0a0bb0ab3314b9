import { recentPartitions } from '../capture/capture-record.ts';
import { readRecords } from '../capture/read-records.ts';
import type { ModelPackage } from '../model-package.ts';
import { writeReport } from '../reports/write-report.ts';
import { joinKey } from '../storage/location.ts';
import type { Location } from '../storage/object-store.ts';
import type { Columns } from './columns.ts';
import { driftAgainstBaseline } from './detect.ts';
import type { DriftReport } from './drift-report.ts';
import { renderDriftReport } from './html-report.ts';

export interface DriftJob {
  readonly pkg: ModelPackage;
  /** Captured requests: `<capture>/<model>/<version>/dt=…/hr=…/*.jsonl`. */
  readonly capture: Location;
  /** Where reports go: `<reports>/<model>/<version>/<time>.{json,html}`. */
  readonly reports: Location;
  /** Hours of captures compared with the baseline, up to now. */
  readonly windowHours: number;
  readonly now?: Date;
}

/** The captured features (and predicted label or value) of some partitions, as columns. */
async function captureColumns(job: DriftJob, end: Date): Promise<{ columns: Columns; rows: number }> {
  const { records } = await readRecords(job.capture, recentPartitions(job.pkg.name, job.pkg.version, end, job.windowHours));
  const columns = new Map<string, Float64Array | (string | null)[]>();
  // Features outside the capture allow-list were never recorded: no column, no test.
  const recorded = new Set(records.slice(0, 1000).flatMap((r) => Object.keys((r.features as object | undefined) ?? {})));
  for (const f of job.pkg.features) {
    if (!recorded.has(f.name)) continue;
    if (f.type === 'numeric') {
      columns.set(f.name, Float64Array.from(records, (r) => {
        const v = (r.features as Record<string, unknown> | undefined)?.[f.name];
        return typeof v === 'number' ? v : Number.NaN;
      }));
    } else {
      columns.set(f.name, records.map((r) => {
        const v = (r.features as Record<string, unknown> | undefined)?.[f.name];
        return typeof v === 'string' ? v : null;
      }));
    }
  }
  const predicted = records.map((r) => r.prediction as { label?: string; value?: number } | undefined);
  if (predicted.some((p) => typeof p?.label === 'string')) columns.set('predictions', predicted.map((p) => p?.label ?? null));
  else if (predicted.some((p) => typeof p?.value === 'number')) columns.set('predictions', Float64Array.from(predicted, (p) => p?.value ?? Number.NaN));
  return { columns, rows: records.length };
}

/**
 * Compares the last `windowHours` of captured inputs with the model's training baseline, and its
 * predictions with those of the window before (model.json keeps no baseline of outputs, and a shift
 * from one window to the next is what a change in the output distribution looks like). Writes the
 * report as JSON and as the same HTML page the CLI makes; returns it, or undefined without captures.
 */
export async function runDriftJob(job: DriftJob): Promise<{ report: DriftReport; uri: string } | undefined> {
  const now = job.now ?? new Date();
  const current = await captureColumns(job, now);
  if (current.rows === 0) return undefined;
  const previous = await captureColumns(job, new Date(now.getTime() - job.windowHours * 3_600_000));
  const predictionReference = previous.columns.get('predictions');
  const report = driftAgainstBaseline(job.pkg, current.columns, {
    current: `${job.capture.store.uri(joinKey(job.capture.key, `${job.pkg.name}/${job.pkg.version}/`))} (last ${job.windowHours} h, ${current.rows} rows)`,
    predictionReference,
    now,
  });
  return { report, uri: await writeReport(job.reports, `${job.pkg.name}/${job.pkg.version}`, now, report, renderDriftReport(report)) };
}
