import { normalQuantile } from './normal.ts';

/**
 * The relative lift, treatment mean / control mean − 1, and its confidence interval by the delta
 * method (first-order Taylor expansion of the ratio, arms independent):
 *   Var(m₂/m₁) ≈ Var(m₂)/m₁² + m₂²·Var(m₁)/m₁⁴,
 * the interval being lift ± z₁₋α/₂·√Var. Chosen over Fieller's interval because it always exists and
 * is symmetric, which a report can state in one line; Fieller's is exact for normal means but becomes
 * unbounded when the control mean is not clearly away from 0, which is also when the delta method's
 * interval is unreliable: then there is no interval (control mean 0) rather than a misleading one.
 * (Deng, Knoblich & Lu, "Applying the Delta Method in Metric Analytics", KDD 2018.)
 */
export interface Lift {
  /** m₂/m₁ − 1; NaN when the control mean is 0. */
  readonly lift: number;
  readonly ci: readonly [number, number];
}

/** `varControl` and `varTreatment` are the variances of the two means (s²/n, or p(1 − p)/n). */
export function relativeLift(controlMean: number, treatmentMean: number, varControl: number, varTreatment: number, alpha = 0.05): Lift {
  if (controlMean === 0) return { lift: NaN, ci: [NaN, NaN] };
  const ratio = treatmentMean / controlMean;
  const variance = varTreatment / controlMean ** 2 + (treatmentMean ** 2 * varControl) / controlMean ** 4;
  const half = normalQuantile(1 - alpha / 2) * Math.sqrt(variance);
  return { lift: ratio - 1, ci: [ratio - 1 - half, ratio - 1 + half] };
}
