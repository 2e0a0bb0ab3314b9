import { type Moments, sampleVariance } from './moments.ts';
import { studentTQuantile, studentTTwoSided } from './student-t.ts';

/**
 * Welch's unequal-variances t-test for the difference of two means: each arm keeps its own variance,
 * which is the safe default for A/B tests (a treatment often changes the spread as well as the
 * mean, and Student's pooled test is wrong then when the arms differ in size). Degrees of freedom by
 * Welch–Satterthwaite: ν = (v₁ + v₂)² / (v₁²/(n₁ − 1) + v₂²/(n₂ − 1)) with vᵢ = sᵢ²/nᵢ.
 */

export interface WelchTest {
  /** Treatment mean minus control mean. */
  readonly difference: number;
  readonly t: number;
  readonly df: number;
  readonly pValue: number;
  readonly se: number;
  /** Two-sided (1 − α) interval of the difference, with the t quantile at ν. */
  readonly ci: readonly [number, number];
}

export function welchTTest(control: Moments, treatment: Moments, alpha = 0.05): WelchTest {
  if (control.n < 2 || treatment.n < 2) throw new Error("Welch's t-test needs at least two rows in each variant");
  const v1 = sampleVariance(control) / control.n;
  const v2 = sampleVariance(treatment) / treatment.n;
  const difference = treatment.mean - control.mean;
  const se = Math.sqrt(v1 + v2);
  if (!(se > 0)) {
    // Both arms constant: the difference is known exactly.
    return { difference, t: difference === 0 ? 0 : Math.sign(difference) * Infinity, df: control.n + treatment.n - 2, pValue: difference === 0 ? 1 : 0, se: 0, ci: [difference, difference] };
  }
  const df = (v1 + v2) ** 2 / (v1 ** 2 / (control.n - 1) + v2 ** 2 / (treatment.n - 1));
  const t = difference / se;
  const half = studentTQuantile(1 - alpha / 2, df) * se;
  return { difference, t, df, pValue: studentTTwoSided(t, df), se, ci: [difference - half, difference + half] };
}
