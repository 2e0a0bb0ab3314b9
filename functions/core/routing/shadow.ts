import { comparePredictions, type PredictionComparison } from '../compare/compare-predictions.ts';
import type { Model } from '../model.ts';
import type { Prediction } from '../predictions.ts';

export interface ShadowOutcome {
  readonly primary: Model;
  readonly candidate: Model;
  readonly comparison?: PredictionComparison;
  /** Candidate scoring time, ms. */
  readonly latencyMs: number;
  readonly error?: Error;
}

/**
 * A candidate version that sees a mirror of live traffic. Its scoring is scheduled after the
 * current request's work (setImmediate runs once the response is on its way), on its own session,
 * and whatever it does, a failure included, only reaches `report`: the primary response and
 * status never depend on it.
 */
export class Shadow {
  constructor(
    readonly candidate: Model,
    private readonly report: (outcome: ShadowOutcome) => void,
  ) {}

  mirror(primary: Model, instances: readonly unknown[], predictions: readonly Prediction[]): void {
    setImmediate(() => {
      const started = performance.now();
      this.candidate.predict(instances).then(
        (answers) => this.report({ primary, candidate: this.candidate, comparison: comparePredictions(predictions, answers), latencyMs: performance.now() - started }),
        (error: Error) => this.report({ primary, candidate: this.candidate, latencyMs: performance.now() - started, error }),
      )
        // A report that throws must not become an unhandled rejection that takes the process down.
        .catch(() => undefined);
    });
  }
}
