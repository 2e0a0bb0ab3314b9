import { comparePredictions, type PredictionComparison } from '../compare/compare-predictions.ts';
import type { Model } from '../model.ts';
import type { Prediction } from '../predictions.ts';

/** A request the primary answered, as the shadow gets it. */
export interface MirroredRequest {
  readonly primary: Model;
  readonly instances: readonly unknown[];
  readonly predictions: readonly Prediction[];
  /** The primary's scoring time for this request, ms, to set the candidate's against. */
  readonly primaryLatencyMs: number;
}

export interface ShadowOutcome extends MirroredRequest {
  readonly candidate: Model;
  /** The candidate's predictions, unless it failed. */
  readonly answers?: readonly Prediction[];
  readonly comparison?: PredictionComparison;
  /** Candidate scoring time, ms. */
  readonly latencyMs: number;
  readonly error?: Error;
}

/**
 * A candidate version that sees a mirror of live traffic. Its scoring is scheduled after the
 * current request's work (setImmediate runs once the response is on its way), on its own session,
 * and whatever it does, a failure included, only reaches `report` and the request's own listener:
 * the primary response and status never depend on it.
 */
export class Shadow {
  constructor(
    readonly candidate: Model,
    private readonly report: (outcome: ShadowOutcome) => void,
  ) {}

  /** Scores the request's instances with the candidate later; `listener` hears this request's outcome after `report` (e.g. to capture it). */
  mirror(request: MirroredRequest, listener?: (outcome: ShadowOutcome) => void): void {
    setImmediate(() => {
      const started = performance.now();
      const tell = (outcome: ShadowOutcome) => {
        try {
          this.report(outcome);
        } finally {
          listener?.(outcome);
        }
      };
      this.candidate.predict(request.instances).then(
        (answers) => tell({ ...request, candidate: this.candidate, answers, comparison: comparePredictions(request.predictions, answers), latencyMs: performance.now() - started }),
        (error: Error) => tell({ ...request, candidate: this.candidate, latencyMs: performance.now() - started, error }),
      )
        // A report that throws must not become an unhandled rejection that takes the process down.
        .catch(() => undefined);
    });
  }
}
