import { normalQuantile, normalTwoSided } from './normal.ts';

/**
 * The two-proportion z-test for conversion rates: is the treatment's rate different from the
 * control's?
 *
 * The test statistic uses the pooled standard error, √(p̄(1 − p̄)(1/n₁ + 1/n₂)) with p̄ the rate of both
 * arms together, because under the null hypothesis both arms share one rate and p̄ is its best
 * estimate (z² is then Pearson's chi-square of the 2×2 table, R's `prop.test(correct = FALSE)`).
 * The confidence interval of the difference uses the unpooled (Wald) standard error,
 * √(p₁(1 − p₁)/n₁ + p₂(1 − p₂)/n₂), because an interval is about differences that need not be 0.
 */

export interface ProportionTest {
  /** Treatment rate minus control rate. */
  readonly difference: number;
  readonly z: number;
  readonly pValue: number;
  /** Pooled standard error (the test's). */
  readonly pooledSe: number;
  /** Unpooled standard error (the interval's). */
  readonly se: number;
  /** Two-sided (1 − α) Wald interval of the difference. */
  readonly ci: readonly [number, number];
}

export interface Counts {
  readonly n: number;
  readonly successes: number;
}

export function twoProportionZTest(control: Counts, treatment: Counts, alpha = 0.05): ProportionTest {
  if (control.n <= 0 || treatment.n <= 0) throw new Error('the two-proportion z-test needs at least one row in each variant');
  const p1 = control.successes / control.n;
  const p2 = treatment.successes / treatment.n;
  const difference = p2 - p1;
  const pooled = (control.successes + treatment.successes) / (control.n + treatment.n);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / treatment.n));
  const se = Math.sqrt((p1 * (1 - p1)) / control.n + (p2 * (1 - p2)) / treatment.n);
  // Both arms all 0 or all 1: no variation, no evidence of a difference.
  const z = pooledSe > 0 ? difference / pooledSe : 0;
  const half = normalQuantile(1 - alpha / 2) * se;
  return { difference, z, pValue: pooledSe > 0 ? normalTwoSided(z) : 1, pooledSe, se, ci: [difference - half, difference + half] };
}
