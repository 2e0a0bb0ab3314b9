import { upperRegularizedGamma } from '../drift/gamma.ts';

/**
 * The standard normal distribution: CDF, upper tail and quantile, for z-tests, confidence intervals
 * and sample sizes.
 *
 * The tails come from the regularized incomplete gamma function the drift statistics already use,
 * through erfc(x) = Q(1/2, x²): it keeps ~15 significant digits deep into the tail (Φ(−10) ≈ 7.6e-24
 * with full relative precision), where 1 − Φ(z) computed by subtraction would round to 0, and it is
 * one method checked once rather than a second rational approximation to maintain.
 */

/** P(Z > z), with full relative precision in the upper tail. */
export function normalSurvival(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const tail = 0.5 * upperRegularizedGamma(0.5, (z * z) / 2);
  return z >= 0 ? tail : 1 - tail;
}

/** Φ(z) = P(Z ≤ z), with full relative precision in the lower tail. */
export const normalCdf = (z: number): number => normalSurvival(-z);

/** Two-sided p-value of a z statistic: P(|Z| ≥ |z|). */
export const normalTwoSided = (z: number): number => Math.min(1, 2 * normalSurvival(Math.abs(z)));

/** The standard normal density. */
export const normalDensity = (z: number): number => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);

// Acklam's rational approximation of Φ⁻¹ (relative error below 1.15e-9), then polished below.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

function acklam(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) / ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) /
    (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1)
  );
}

/**
 * Φ⁻¹(p): Acklam's approximation, then two Halley steps against the accurate CDF above, which brings
 * it to double precision (each step roughly triples the number of correct digits). Lower-half
 * probabilities are solved directly, upper ones by symmetry, so small tail probabilities keep
 * their precision.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p > 0.5) return -normalQuantile(1 - p);
  let x = acklam(p);
  for (let i = 0; i < 2; i++) {
    const e = normalCdf(x) - p;
    const u = e / normalDensity(x);
    x -= u / (1 + (x * u) / 2);
  }
  return x;
}
