import { z } from 'zod';
import { quantileOfSorted } from '../drift/bins.ts';
import type { Prediction } from '../predictions.ts';
import { comparePredictions, labelTransitions, type PredictionComparison } from './compare-predictions.ts';

/**
 * What a shadow candidate did beside the primary over captured shadow records: how often it agreed,
 * how far its answers were, how often it failed, and how its scoring time compared, overall and
 * hour by hour, per (model, primary, candidate) pair.
 */

const prediction = z.union([
  z.object({ label: z.string(), probabilities: z.record(z.string(), z.number()) }),
  z.object({ label: z.string() }),
  z.object({ value: z.number() }),
]);

/** A shadow record as `RequestCapture.addShadow` writes it; anything else is counted as skipped. */
const ShadowRecordSchema = z
  .object({
    ts: z.iso.datetime(),
    requestId: z.string(),
    model: z.string().min(1),
    version: z.string().min(1),
    candidate: z.string().min(1),
    latencyMs: z.object({ primary: z.number().nonnegative(), candidate: z.number().nonnegative() }),
    predictions: z.array(prediction),
    answers: z.array(prediction).optional(),
    error: z.string().optional(),
  })
  .refine((r) => r.answers === undefined || r.answers.length === r.predictions.length, 'answers and predictions differ in length')
  .refine((r) => (r.answers === undefined) !== (r.error === undefined), 'a record holds either answers or an error');

export interface Latency {
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export interface ShadowHour {
  /** `YYYY-MM-DDTHH` (UTC). */
  readonly hour: string;
  readonly requests: number;
  readonly errors: number;
  readonly comparison: PredictionComparison;
}

export interface ShadowPairReport {
  readonly model: string;
  readonly version: string;
  readonly candidate: string;
  readonly from: string;
  readonly to: string;
  readonly requests: number;
  /** Requests on which the candidate failed, and a few of their messages. */
  readonly errors: number;
  readonly errorRate: number;
  readonly errorMessages: string[];
  /** Over the rows of the requests the candidate answered. */
  readonly comparison: PredictionComparison;
  readonly transitions: Record<string, number>;
  /** Labels each side gave (classifiers), for the report's bars. */
  readonly labels?: { readonly primary: Record<string, number>; readonly candidate: Record<string, number> };
  /** Validation and scoring time per request, ms, of each side (the candidate's only where it answered). */
  readonly latencyMs: { readonly primary: Latency; readonly candidate: Latency };
  /** Per-request scoring times, for the report's latency bars. */
  readonly latencySamples: { readonly primary: number[]; readonly candidate: number[] };
  readonly hours: ShadowHour[];
}

export interface ShadowSummary {
  readonly pairs: ShadowPairReport[];
  /** Records that were not shadow records (torn lines, other shapes). */
  readonly skipped: number;
}

type Parsed = z.infer<typeof ShadowRecordSchema>;

function latency(values: readonly number[]): Latency {
  if (values.length === 0) return { mean: Number.NaN, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN };
  const sorted = Float64Array.from(values).sort();
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, p50: quantileOfSorted(sorted, 0.5), p95: quantileOfSorted(sorted, 0.95), p99: quantileOfSorted(sorted, 0.99) };
}

function countLabels(predictions: readonly Prediction[]): Record<string, number> | undefined {
  const counts: Record<string, number> = {};
  for (const p of predictions) {
    if (!('label' in p)) return undefined;
    counts[p.label] = (counts[p.label] ?? 0) + 1;
  }
  return counts;
}

/** The rows of the answered requests, side by side. */
function rowsOf(records: readonly Parsed[]): { primary: Prediction[]; candidate: Prediction[] } {
  const primary: Prediction[] = [];
  const candidate: Prediction[] = [];
  for (const r of records) {
    if (!r.answers) continue;
    primary.push(...(r.predictions as Prediction[]));
    candidate.push(...(r.answers as Prediction[]));
  }
  return { primary, candidate };
}

function pairReport(records: Parsed[]): ShadowPairReport {
  records.sort((a, b) => a.ts.localeCompare(b.ts));
  const { model, version, candidate } = records[0]!;
  const failed = records.filter((r) => r.error !== undefined);
  const rows = rowsOf(records);
  const byHour = Map.groupBy(records, (r) => r.ts.slice(0, 13));
  const primaryLabels = countLabels(rows.primary);
  const candidateLabels = countLabels(rows.candidate);
  const latencySamples = { primary: records.map((r) => r.latencyMs.primary), candidate: records.filter((r) => r.answers).map((r) => r.latencyMs.candidate) };
  return {
    model,
    version,
    candidate,
    from: records[0]!.ts,
    to: records.at(-1)!.ts,
    requests: records.length,
    errors: failed.length,
    errorRate: failed.length / records.length,
    errorMessages: [...new Set(failed.map((r) => r.error!))].slice(0, 10),
    comparison: comparePredictions(rows.primary, rows.candidate),
    transitions: labelTransitions(rows.primary, rows.candidate),
    ...(primaryLabels && candidateLabels ? { labels: { primary: primaryLabels, candidate: candidateLabels } } : {}),
    latencyMs: { primary: latency(latencySamples.primary), candidate: latency(latencySamples.candidate) },
    latencySamples,
    hours: [...byHour].map(([hour, group]) => {
      const h = rowsOf(group);
      return { hour, requests: group.length, errors: group.filter((r) => r.error !== undefined).length, comparison: comparePredictions(h.primary, h.candidate) };
    }),
  };
}

/** Groups shadow records by model, primary and candidate version, and compares each pair. */
export function summarizeShadow(records: readonly unknown[]): ShadowSummary {
  const parsed: Parsed[] = [];
  for (const record of records) {
    const result = ShadowRecordSchema.safeParse(record);
    if (result.success) parsed.push(result.data);
  }
  const pairs = Map.groupBy(parsed, (r) => JSON.stringify([r.model, r.version, r.candidate]));
  return { pairs: [...pairs.values()].map(pairReport), skipped: records.length - parsed.length };
}

/** A pair's figures without the per-request samples, which only feed the HTML report's plots. */
export const shadowFigures = ({ latencySamples, ...figures }: ShadowPairReport): Omit<ShadowPairReport, 'latencySamples'> => figures;
