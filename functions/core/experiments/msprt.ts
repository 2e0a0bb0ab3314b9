import { type Metric, MomentsAccumulator, sampleVariance } from './moments.ts';
import { normalTwoSided } from './normal.ts';
import { studentTTwoSided } from './student-t.ts';

/**
 * A sequential test that stays valid however often the results are looked at: the mixture
 * sequential probability ratio test (mSPRT) of Johari, Koomen, Pekelis & Walsh, "Always Valid
 * Inference: Continuous Monitoring of A/B Tests" (Operations Research 70(3), 2022; arXiv 1512.04922).
 *
 * Why: a fixed-horizon test checked every day and stopped at the first p < 0.05 has a false-positive
 * rate far above 5% (the A/A simulation in the tests shows it). The mSPRT's likelihood ratio is a
 * martingale under H₀, so by Ville's inequality P(Λₙ ≥ 1/α at any n) ≤ α: its p-value may be read at
 * every row and the experiment stopped whenever it drops below α.
 *
 * The statistic, for the difference θ of two means with the normal approximation of its estimate
 * θ̂ ~ N(θ, V) and a normal mixing distribution θ ~ N(0, τ²) over the alternatives:
 *   Λₙ = √(V/(V + τ²)) · exp(τ²θ̂² / (2V(V + τ²))) = (1 + r)^(−1/2) · exp(z²·r / (2(1 + r))),
 * with z = θ̂/√V and r = τ²/V (Johari et al. §4, two-stream normal case, V = 2σ²/n there).
 *   always-valid p-value: pₙ = min(1, min over k ≤ n of 1/Λₖ);
 *   always-valid confidence sequence: θ̂ ± √V·√((1 + r)/r · (2 ln(1/α) + ln(1 + r))), intersected over time.
 *
 * Variances are plug-in estimates, as in Johari et al.'s deployment: for conversions the test uses the
 * pooled Bernoulli variance (as the z-test, under H₀) and the interval the unpooled one; for means
 * both use s₁²/n₁ + s₂²/n₂. The mixing variance is set on the standardized scale: τ² = ρ²σ² with
 * σ² = V·nₑ and nₑ = 1/(1/n₁ + 1/n₂) (so r = ρ²nₑ does not depend on the variance estimate), and ρ²
 * is fixed before any data from a "tuning" sample size n* per arm at which the test is to be most
 * sensitive: the rejection boundary on |z| is lowest when r = r*(α) (≈ 8 at α = 0.05, a boundary of
 * |z| ≈ 3.03 against the fixed test's 1.96), so ρ² = 2·r* / n*. Any fixed ρ² keeps the guarantee; n*
 * only moves where power is best (the planned sample size is a good choice).
 *
 * The normal approximation needs a few observations: nothing is evaluated before each arm has
 * `minimumPerArm` rows (30 by default; with r = ρ²nₑ tiny there, Λ ≈ 1 anyway).
 */

/** (1 + r)/r · (2 ln(1/α) + ln(1 + r)): the squared |z| the confidence sequence's half-width is in units of √V. */
const boundary = (r: number, alpha: number): number => ((1 + r) / r) * (2 * Math.log(1 / alpha) + Math.log1p(r));

/** r*(α), minimizing the boundary (golden-section search on ln r; the function is unimodal). */
export function optimalRatio(alpha: number): number {
  let lo = Math.log(1e-3);
  let hi = Math.log(1e6);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 100; i++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (boundary(Math.exp(a), alpha) < boundary(Math.exp(b), alpha)) hi = b;
    else lo = a;
  }
  return Math.exp((lo + hi) / 2);
}

/** ρ², the standardized mixing variance, tuned for `perArm` rows in each of two equal arms. */
export const mixingVarianceFor = (perArm: number, alpha: number): number => (2 * optimalRatio(alpha)) / perArm;

/** ln Λ for a z statistic and a variance ratio r = τ²/V. */
export const mixtureLogLikelihoodRatio = (z: number, r: number): number => -0.5 * Math.log1p(r) + (z * z * r) / (2 * (1 + r));

/** Half-width of the always-valid confidence interval at one time: √V·√boundary. */
export const confidenceHalfWidth = (se: number, r: number, alpha: number): number => se * Math.sqrt(boundary(r, alpha));

export const DEFAULT_TUNING = 5_000;
export const DEFAULT_MINIMUM_PER_ARM = 30;

export interface SequentialOptions {
  readonly alpha?: number;
  /** Rows per arm at which the test is most sensitive (fixes ρ²). @default 5000 */
  readonly tuning?: number;
  readonly minimumPerArm?: number;
}

/** Where the evidence stands after the rows seen so far. */
export interface SequentialState {
  /** Rows seen, both arms. */
  readonly n: number;
  /** Always-valid p-value (running minimum of 1/Λ). */
  readonly pValue: number;
  /** Always-valid confidence interval of the difference (running intersection); infinite before the first evaluation. */
  readonly ci: readonly [number, number];
  /** The fixed-horizon test's p-value on the same rows, as if this were the planned end: not valid when peeked at. */
  readonly naivePValue: number;
}

/**
 * The mSPRT over a stream of control and treatment values, evaluated after every value: `add` costs
 * a handful of floating-point operations, so the running minimum is over every row, the strictest
 * form of peeking.
 */
export class SequentialTest {
  readonly control = new MomentsAccumulator();
  readonly treatment = new MomentsAccumulator();
  readonly alpha: number;
  readonly tuning: number;
  /** ρ², standardized mixing variance. */
  readonly rho2: number;
  readonly minimumPerArm: number;
  pValue = 1;
  lower = -Infinity;
  upper = Infinity;

  constructor(readonly metric: Metric, options: SequentialOptions = {}) {
    this.alpha = options.alpha ?? 0.05;
    this.tuning = options.tuning ?? DEFAULT_TUNING;
    if (!(this.tuning > 0)) throw new Error('the sequential tuning sample size must be positive');
    this.rho2 = mixingVarianceFor(this.tuning, this.alpha);
    this.minimumPerArm = options.minimumPerArm ?? DEFAULT_MINIMUM_PER_ARM;
  }

  add(arm: 'control' | 'treatment', value: number): void {
    (arm === 'control' ? this.control : this.treatment).add(value);
    this.evaluate();
  }

  /** The variances of θ̂: under H₀ for the test, unrestricted for the interval. */
  private variances(): { test: number; interval: number } {
    const c = this.control;
    const t = this.treatment;
    if (this.metric === 'conversion') {
      const pooled = (c.mean * c.n + t.mean * t.n) / (c.n + t.n);
      return {
        test: pooled * (1 - pooled) * (1 / c.n + 1 / t.n),
        interval: (c.mean * (1 - c.mean)) / c.n + (t.mean * (1 - t.mean)) / t.n,
      };
    }
    const v = sampleVariance(c) / c.n + sampleVariance(t) / t.n;
    return { test: v, interval: v };
  }

  private evaluate(): void {
    const c = this.control;
    const t = this.treatment;
    if (c.n < this.minimumPerArm || t.n < this.minimumPerArm) return;
    const r = this.rho2 / (1 / c.n + 1 / t.n);
    const difference = t.mean - c.mean;
    const v = this.variances();
    if (v.test > 0) {
      const p = Math.exp(-mixtureLogLikelihoodRatio(difference / Math.sqrt(v.test), r));
      if (p < this.pValue) this.pValue = p;
    }
    if (v.interval > 0) {
      const half = confidenceHalfWidth(Math.sqrt(v.interval), r, this.alpha);
      const lower = Math.max(this.lower, difference - half);
      const upper = Math.min(this.upper, difference + half);
      // An empty intersection (the plug-in approximation failing, or an effect that changed over time) keeps the last interval.
      if (lower <= upper) {
        this.lower = lower;
        this.upper = upper;
      }
    }
  }

  /** The fixed-horizon two-sided p-value on the rows so far (z-test, or Welch). */
  naivePValue(): number {
    const c = this.control;
    const t = this.treatment;
    if (c.n < 2 || t.n < 2) return 1;
    const difference = t.mean - c.mean;
    if (this.metric === 'conversion') {
      const se = Math.sqrt(this.variances().test);
      return se > 0 ? normalTwoSided(difference / se) : 1;
    }
    const v1 = sampleVariance(c) / c.n;
    const v2 = sampleVariance(t) / t.n;
    if (!(v1 + v2 > 0)) return difference === 0 ? 1 : 0;
    const df = (v1 + v2) ** 2 / (v1 ** 2 / (c.n - 1) + v2 ** 2 / (t.n - 1));
    return studentTTwoSided(difference / Math.sqrt(v1 + v2), df);
  }

  state(): SequentialState {
    return { n: this.control.n + this.treatment.n, pValue: this.pValue, ci: [this.lower, this.upper], naivePValue: this.naivePValue() };
  }

  get conclusive(): boolean {
    return this.pValue < this.alpha;
  }
}
