import { regularizedIncompleteBeta } from './beta.ts';
import { normalQuantile, normalSurvival } from './normal.ts';

/**
 * Student's t distribution with ν degrees of freedom (any ν > 0: Welch–Satterthwaite gives fractional
 * ones), through the incomplete beta function: P(|T| > t) = I_{ν/(ν+t²)}(ν/2, 1/2). The tail is the
 * direct branch of the continued fraction, so small p-values keep their relative precision.
 */

/** Two-sided p-value P(|T| ≥ |t|). */
export function studentTTwoSided(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (!Number.isFinite(t)) return 0;
  if (df === Infinity) return Math.min(1, 2 * normalSurvival(Math.abs(t)));
  return Math.min(1, regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5));
}

/** P(T > t). */
export function studentTSurvival(t: number, df: number): number {
  const tail = studentTTwoSided(t, df) / 2;
  return t >= 0 ? tail : 1 - tail;
}

/** P(T ≤ t). */
export const studentTCdf = (t: number, df: number): number => studentTSurvival(-t, df);


/**
 * The quantile t with P(T ≤ t) = p. Bisection on the two-sided tail, bracketed from the normal
 * quantile outwards: about 60 halvings reach double precision, and the function is called a handful
 * of times per analysis, so robustness wins over Newton's speed here.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  if (df === Infinity) return normalQuantile(p);
  const target = 2 * (1 - p); // two-sided tail of the answer
  let lo = 0;
  let hi = Math.max(1, normalQuantile(p));
  while (studentTTwoSided(hi, df) > target) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTTwoSided(mid, df) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
