import { normalQuantile } from './normal.ts';

/**
 * Sample size per arm for a two-sided test at level α with the given power, equal arms.
 *
 * Two proportions (baseline p₁, absolute minimum detectable effect δ: p₂ = p₁ + δ, so 0.10 and 0.01
 * mean 10% → 11%), the normal-approximation formula without continuity correction (Fleiss, Levin &
 * Paik, "Statistical Methods for Rates and Proportions", 3rd ed., §4.2; as in Chow, Shao & Wang and
 * most online calculators), whose first term is the pooled SE the z-test uses under H₀ and second the
 * unpooled SE under H₁:
 *   n = [z₁₋α/₂·√(2p̄(1 − p̄)) + z₁₋β·√(p₁(1 − p₁) + p₂(1 − p₂))]² / δ²,  p̄ = (p₁ + p₂)/2.
 *
 * Two means (standard deviation σ of one value, absolute δ), the same approximation:
 *   n = 2σ²(z₁₋α/₂ + z₁₋β)² / δ².
 * Rounded up to whole users.
 */

export interface PlanOptions {
  readonly alpha?: number;
  readonly power?: number;
}

export interface Plan {
  readonly perArm: number;
  readonly total: number;
  readonly alpha: number;
  readonly power: number;
}

function levels(options: PlanOptions): { alpha: number; power: number; za: number; zb: number } {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  if (!(alpha > 0 && alpha < 1)) throw new Error('alpha must be between 0 and 1');
  if (!(power > 0 && power < 1)) throw new Error('power must be between 0 and 1');
  return { alpha, power, za: normalQuantile(1 - alpha / 2), zb: normalQuantile(power) };
}

export function planProportions(baseline: number, mde: number, options: PlanOptions = {}): Plan & { baseline: number; mde: number; target: number } {
  const { alpha, power, za, zb } = levels(options);
  const p1 = baseline;
  const p2 = baseline + mde;
  if (!(p1 > 0 && p1 < 1)) throw new Error('the baseline rate must be between 0 and 1 (0.10 for 10%)');
  if (!(mde !== 0 && p2 > 0 && p2 < 1)) throw new Error('the MDE is an absolute difference of rates (0.01 for 10% → 11%): non-zero, and baseline + MDE between 0 and 1');
  const pBar = (p1 + p2) / 2;
  const root = za * Math.sqrt(2 * pBar * (1 - pBar)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  const perArm = Math.ceil((root * root) / (mde * mde) - 1e-9);
  return { perArm, total: 2 * perArm, alpha, power, baseline, mde, target: p2 };
}

export function planMeans(sd: number, mde: number, options: PlanOptions = {}): Plan & { sd: number; mde: number } {
  const { alpha, power, za, zb } = levels(options);
  if (!(sd > 0)) throw new Error('the standard deviation must be positive');
  if (!(mde !== 0 && Number.isFinite(mde))) throw new Error('the MDE must be a non-zero number');
  const perArm = Math.ceil((2 * sd * sd * (za + zb) ** 2) / (mde * mde) - 1e-9);
  return { perArm, total: 2 * perArm, alpha, power, sd, mde };
}
