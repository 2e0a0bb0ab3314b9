import { chiSquareSurvival } from '../drift/chi-square.ts';

/**
 * Sample-ratio mismatch: do the variants' row counts fit the configured traffic weights? A mismatch
 * means the assignment or the logging is broken (a variant that crashes and loses its users, bots
 * filtered on one side...), and then no comparison of the variants can be trusted, however
 * significant. Pearson's chi-square goodness of fit against the weights (equal by default), k − 1
 * degrees of freedom, flagged at p < 0.001, the customary threshold (Fabijan et al., "Diagnosing Sample
 * Ratio Mismatch in Online Controlled Experiments", KDD 2019): the test runs on every analysis, and a
 * strict level keeps false alarms rare while real mismatches, usually large, still show.
 */

export const SRM_THRESHOLD = 0.001;

export interface SampleRatioMismatch {
  readonly statistic: number;
  readonly df: number;
  readonly pValue: number;
  /** Expected rows per variant from the weights, in the variants' order. */
  readonly expected: number[];
  readonly observed: number[];
  /** Weights as shares of traffic (summing to 1). */
  readonly weights: number[];
  readonly mismatch: boolean;
}

export function sampleRatioMismatch(observed: readonly number[], weights?: readonly number[], threshold = SRM_THRESHOLD): SampleRatioMismatch {
  const k = observed.length;
  const w = weights ?? observed.map(() => 1);
  if (w.length !== k) throw new Error(`${w.length} weights for ${k} variants`);
  if (w.some((x) => !(x > 0))) throw new Error('traffic weights must be positive numbers');
  const sumW = w.reduce((a, b) => a + b, 0);
  const total = observed.reduce((a, b) => a + b, 0);
  const shares = w.map((x) => x / sumW);
  const expected = shares.map((s) => s * total);
  let statistic = 0;
  for (let i = 0; i < k; i++) statistic += (observed[i]! - expected[i]!) ** 2 / expected[i]!;
  const df = k - 1;
  const pValue = total > 0 && df > 0 ? chiSquareSurvival(statistic, df) : 1;
  return { statistic: total > 0 ? statistic : 0, df, pValue, expected, observed: [...observed], weights: shares, mismatch: pValue < threshold };
}
