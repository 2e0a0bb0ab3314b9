import { describe, expect, it } from 'vitest';
import { holm } from '../../../../functions/core/experiments/holm.ts';
import { relativeLift } from '../../../../functions/core/experiments/lift.ts';
import { momentsOf } from '../../../../functions/core/experiments/moments.ts';
import { planMeans, planProportions } from '../../../../functions/core/experiments/plan.ts';
import { twoProportionZTest } from '../../../../functions/core/experiments/proportions.ts';
import { sampleRatioMismatch } from '../../../../functions/core/experiments/srm.ts';
import { welchTTest } from '../../../../functions/core/experiments/welch.ts';

const near = (a: number, b: number, digits: number) => expect(Math.abs(a / b - 1), `${a} vs ${b}`).toBeLessThan(10 ** -digits);

describe('two-proportion z-test', () => {
  it('matches a hand computation: 200/2000 vs 250/2000', () => {
    // p₁ = 0.10, p₂ = 0.125, difference 0.025.
    // Pooled p̄ = 450/4000 = 0.1125; SE₀ = √(0.1125·0.8875·(1/2000 + 1/2000)) = √9.984375e-5 = 0.00999218...
    // z = 0.025 / 0.00999218 = 2.501955; p = 2·(1 − Φ(2.501955)) = 0.0123509.
    // (Equivalently Pearson's χ² of the 2×2 table = z² = 6.25978, p = 0.0123509: R prop.test(correct = FALSE),
    // scipy.stats.chi2_contingency(correction=False).)
    // Unpooled SE = √(0.1·0.9/2000 + 0.125·0.875/2000) = √9.96875e-5 = 0.00998436;
    // 95% CI = 0.025 ± 1.959964·0.00998436 = [0.0054310, 0.0445690].
    const r = twoProportionZTest({ n: 2000, successes: 200 }, { n: 2000, successes: 250 });
    near(r.difference, 0.025, 13);
    near(r.z, 2.501955416802671, 12);
    near(r.pValue, 0.012350947711191423, 11);
    near(r.se, 0.00998436277385793, 13);
    near(r.ci[0], 0.00543100855465602, 11);
    near(r.ci[1], 0.04456899144534397, 12);
  });

  it('has no evidence when both arms are constant', () => {
    const r = twoProportionZTest({ n: 100, successes: 0 }, { n: 50, successes: 0 });
    expect(r.pValue).toBe(1);
    expect(r.ci).toEqual([0, 0]);
  });
});

describe("Welch's t-test", () => {
  it("matches Wikipedia's published example 1", () => {
    // Wikipedia, "Welch's t-test", examples: A₁ and A₂ (15 values each) give t = 2.46, ν ≈ 25.0, p = 0.021;
    // to full precision (scipy.stats.ttest_ind(equal_var=False)): t = 2.455356398286006, ν = 24.988529290231416, p = 0.021378001462866992.
    const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const r = welchTTest(momentsOf(a1), momentsOf(a2));
    near(r.t, 2.455356398286006, 12);
    near(r.df, 24.988529290231416, 12);
    near(r.pValue, 0.021378001462866992, 10);
  });

  it('matches a hand computation with unequal sizes and variances', () => {
    // Control 3,4,5,6,7: mean 5, s² = 10/4 = 2.5, v₁ = 2.5/5 = 0.5.
    // Treatment 1,5,9,13: mean 7, s² = (36+4+4+36)/3 = 26.667, v₂ = 26.667/4 = 6.6667.
    // SE = √7.16667 = 2.677063; t = 2/2.677063 = 0.747087;
    // ν = 7.16667² / (0.5²/4 + 6.6667²/3) = 51.3611 / 14.8773 = 3.452311;
    // p = 2·P(T₃.₄₅ > 0.747) = 0.502651; 95% CI = 2 ± t₀.₉₇₅,₃.₄₅·SE = 2 ± 7.92167 (scipy confidence_interval).
    const r = welchTTest(momentsOf([3, 4, 5, 6, 7]), momentsOf([1, 5, 9, 13]));
    near(r.difference, 2, 14);
    near(r.t, 0.7470873676376284, 12);
    near(r.df, 3.4523105648047303, 12);
    near(r.pValue, 0.5026514620354868, 11);
    near(r.ci[0], -5.921670483082564, 11);
    near(r.ci[1], 9.921670483082565, 11);
  });
});

describe('relative lift (delta method)', () => {
  it('matches the formula worked by hand', () => {
    // m₁ = 0.10, m₂ = 0.125, Var(m₁) = 0.09/2000 = 4.5e-5, Var(m₂) = 0.109375/2000 = 5.46875e-5.
    // lift = 0.25; Var = 5.46875e-5/0.01 + 0.015625·4.5e-5/1e-4 = 0.00546875 + 0.00703125 = 0.0125;
    // half-width = 1.959964·√0.0125 = 1.959964·0.1118034 = 0.2191306.
    const r = relativeLift(0.1, 0.125, 4.5e-5, 5.46875e-5);
    near(r.lift, 0.25, 13);
    near(r.ci[0], 0.25 - 1.959963984540054 * Math.sqrt(0.0125), 13);
    near(r.ci[1], 0.4691306, 7);
    expect(Number.isNaN(relativeLift(0, 0.1, 0, 1e-4).lift)).toBe(true);
  });
});

describe('sample-ratio mismatch', () => {
  it("flags Kohavi et al.'s published example", () => {
    // Kohavi, Tang & Xu, "Trustworthy Online Controlled Experiments" (2020), ch. 3: 821,588 vs 815,482 users in
    // a 50/50 test, p ≈ 1.8e-6. χ² = (3053² + 3053²)/818,535 = 22.7744 on 1 df (scipy.stats.chisquare: p = 1.8217928726191858e-06).
    const r = sampleRatioMismatch([821_588, 815_482]);
    near(r.statistic, 22.77436884189436, 12);
    near(r.pValue, 1.8217928726191858e-6, 10);
    expect(r.mismatch).toBe(true);
    expect(r.expected).toEqual([818_535, 818_535]);
  });

  it('tests against configured weights and does not flag a small imbalance', () => {
    // 90/10 weights, 9,100 vs 900 of 10,000: expected 9,000 and 1,000, χ² = 100²/9000 + 100²/1000 = 11.111, p = 0.000858.
    const skew = sampleRatioMismatch([9_100, 900], [90, 10]);
    near(skew.statistic, 11.11111111111111, 13);
    near(skew.pValue, 0.0008581206663936758, 10);
    expect(skew.mismatch).toBe(true);
    // 5,000 vs 5,250 at 50/50: χ² = 2·125²/5125 = 6.0976, p = 0.0135 (scipy), not below 0.001.
    const mild = sampleRatioMismatch([5_000, 5_250]);
    near(mild.pValue, 0.013536859346243508, 10);
    expect(mild.mismatch).toBe(false);
    expect(() => sampleRatioMismatch([1, 2], [1])).toThrow(/weights/);
  });
});

describe('Holm', () => {
  it("matches R's p.adjust(method = 'holm')", () => {
    // p.adjust(c(0.01, 0.04, 0.03, 0.2), "holm") = 0.04 0.09 0.09 0.20: sorted 0.01·4, 0.03·3, 0.04·2 (raised to 0.09 by monotonicity), 0.2·1.
    const adjusted = holm([0.01, 0.04, 0.03, 0.2]);
    [0.04, 0.09, 0.09, 0.2].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 14));
  });
});

describe('sample size', () => {
  it('plans 14,751 per arm for 10% → 11% at α 0.05 two-sided and 80% power', () => {
    // Fleiss et al. (2003) eq. without continuity correction: p̄ = 0.105,
    // z₀.₉₇₅·√(2·0.105·0.895) = 1.959964·0.4335320 = 0.8497071,
    // z₀.₈·√(0.1·0.9 + 0.11·0.89) = 0.8416212·0.4334743 = 0.3648245,
    // n = (1.2145316)² / 0.01² = 14,750.87 → 14,751 (the usual "about 14,750").
    const plan = planProportions(0.1, 0.01);
    expect(plan.perArm).toBe(14_751);
    expect(plan.total).toBe(29_502);
    expect(planProportions(0.1, 0.01, { alpha: 0.01, power: 0.9 }).perArm).toBeGreaterThan(plan.perArm);
    expect(() => planProportions(1.2, 0.01)).toThrow(/baseline/);
    expect(() => planProportions(0.95, 0.1)).toThrow(/MDE/);
  });

  it('plans means: 2σ²(z₀.₉₇₅ + z₀.₈)²/δ²', () => {
    // σ = 1, δ = 0.2 (Cohen's small effect): 2·(1.959964 + 0.841621)²/0.04 = 2·7.848879/0.04 = 392.44 → 393 per arm.
    expect(planMeans(1, 0.2).perArm).toBe(393);
  });
});
