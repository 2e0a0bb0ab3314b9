import { InvalidInputError } from '../errors.ts';
import type { Model } from '../model.ts';
import type { Prediction } from '../predictions.ts';
import { comparePredictions, labelTransitions, type PredictionComparison } from './compare-predictions.ts';

/** What replaying captured traffic through two versions found. */
export interface ReplayReport {
  readonly model: string;
  readonly current: string;
  readonly candidate: string;
  /** Rows both versions scored. */
  readonly rows: number;
  /** Rows neither could score (invalid for the model), with a few reasons. */
  readonly rejected: number;
  readonly rejectReasons: string[];
  readonly comparison: PredictionComparison;
  /** How labels moved from the current version to the candidate: `benign -> malignant: 3`. */
  readonly transitions: Record<string, number>;
  /** Mean scoring time per 1,000 rows, ms, of each version on this machine. */
  readonly msPer1000Rows: { readonly current: number; readonly candidate: number };
}

/** Scores a batch, or, when one row spoils it, each row alone so that only the bad rows are left out. */
async function scoreEach(model: Model, rows: readonly unknown[], rejected: (reason: string) => void): Promise<(Prediction | undefined)[]> {
  try {
    return await model.predict(rows);
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    return Promise.all(
      rows.map((row) =>
        model.predict([row]).then(
          ([p]) => p,
          (e: InvalidInputError) => {
            rejected(e.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
            return undefined;
          },
        ),
      ),
    );
  }
}

/**
 * Scores captured requests with the current and the candidate version and compares the answers,
 * before the candidate takes any live traffic.
 */
export async function replay(current: Model, candidate: Model, batches: AsyncIterable<readonly unknown[]>): Promise<ReplayReport> {
  const a: Prediction[] = [];
  const b: Prediction[] = [];
  const reasons: string[] = [];
  let rejected = 0;
  const time = { current: 0, candidate: 0 };
  const reject = (reason: string) => {
    rejected++;
    if (reasons.length < 10) reasons.push(reason);
  };
  let warm = false;
  for await (const batch of batches) {
    // One untimed pass of the first batch through each first, so that neither version is timed while the code warms up.
    if (!warm && batch.length > 0) {
      const sample = batch.slice(0, current.layout.maxBatch);
      await Promise.allSettled([current.predict(sample), candidate.predict(sample)]);
      warm = true;
    }
    for (let from = 0; from < batch.length; from += current.layout.maxBatch) {
      const rows = batch.slice(from, from + current.layout.maxBatch);
      let t = performance.now();
      const fromCurrent = await scoreEach(current, rows, reject);
      time.current += performance.now() - t;
      t = performance.now();
      const fromCandidate = await scoreEach(candidate, rows, () => {});
      time.candidate += performance.now() - t;
      fromCurrent.forEach((p, i) => {
        const q = fromCandidate[i];
        if (p && q) {
          a.push(p);
          b.push(q);
        }
      });
    }
  }
  const per1000 = (ms: number) => (a.length + rejected ? (1000 * ms) / (a.length + rejected) : 0);
  return {
    model: current.name,
    current: current.version,
    candidate: candidate.version,
    rows: a.length,
    rejected,
    rejectReasons: reasons,
    comparison: comparePredictions(a, b),
    transitions: labelTransitions(a, b),
    msPer1000Rows: { current: per1000(time.current), candidate: per1000(time.candidate) },
  };
}
