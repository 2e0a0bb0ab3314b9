import { describe, expect, it } from 'vitest';
import { regularizedIncompleteBeta } from '../../../../functions/core/experiments/beta.ts';
import { normalCdf, normalQuantile, normalSurvival, normalTwoSided } from '../../../../functions/core/experiments/normal.ts';
import { studentTCdf, studentTQuantile, studentTTwoSided } from '../../../../functions/core/experiments/student-t.ts';

/** Relative closeness: |a/b − 1| < 10^−digits. */
const near = (a: number, b: number, digits: number) => expect(Math.abs(a / b - 1), `${a} vs ${b}`).toBeLessThan(10 ** -digits);

describe('normal distribution', () => {
  it('matches published CDF values, deep into the tail', () => {
    // Abramowitz & Stegun, Handbook of Mathematical Functions, table 26.1;
    // the same values to 16 digits from scipy.stats.norm 1.17.1 (cdf / sf).
    near(normalCdf(1), 0.8413447460685429, 14);
    near(normalCdf(1.96), 0.9750021048517795, 14);
    near(normalCdf(3), 0.9986501019683699, 14);
    near(normalCdf(-5), 2.866515718791933e-7, 13);
    near(normalSurvival(10), 7.61985302416047e-24, 12);
    expect(normalCdf(0)).toBe(0.5);
    near(normalTwoSided(-1.96), 0.04999579029644087, 13);
  });

  it('inverts to the textbook critical values', () => {
    // z table: 1.6449 (α = 0.10 two-sided), 1.9600 (0.05), 2.5758 (0.01), 0.8416 (80% power); full digits from scipy.stats.norm.ppf.
    near(normalQuantile(0.95), 1.6448536269514722, 14);
    near(normalQuantile(0.975), 1.959963984540054, 14);
    near(normalQuantile(0.995), 2.5758293035489004, 14);
    near(normalQuantile(0.8), 0.8416212335729143, 13);
    near(normalQuantile(1e-12), -7.034483825301131, 13);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 15);
    for (const p of [1e-300, 1e-20, 0.001, 0.02425, 0.3, 0.7, 0.99]) near(normalCdf(normalQuantile(p)), p, 12);
  });
});

describe("Student's t distribution", () => {
  it('matches the closed forms for 1 and 2 degrees of freedom', () => {
    // ν = 1 is Cauchy: F(t) = 1/2 + atan(t)/π. ν = 2: F(t) = 1/2 + t / (2√(2 + t²)).
    for (const t of [-30, -3, -0.5, 0.1, 1, 2.5, 12]) {
      near(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 13);
      near(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 13);
    }
  });

  it('inverts to the published critical values', () => {
    // t table (NIST/SEMATECH e-Handbook 1.3.6.7.2: 12.706, 4.303, 2.228, 2.042, 4.032), full digits from scipy.stats.t.ppf.
    near(studentTQuantile(0.975, 1), 12.706204736174694, 12);
    near(studentTQuantile(0.975, 2), 4.302652729749462, 12);
    near(studentTQuantile(0.975, 10), 2.228138851986274, 12);
    near(studentTQuantile(0.975, 30), 2.0422724563012378, 12);
    near(studentTQuantile(0.995, 5), 4.032142983555228, 12);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(-2.228138851986274, 12);
  });

  it('handles fractional degrees of freedom (Welch) and small tails', () => {
    // scipy.stats.t: 2·sf(2, 3.4523) and 2·sf(10, 2.5), ppf(0.95, 3.4523).
    near(studentTTwoSided(2, 3.4523), 0.1272398278853813, 12);
    near(studentTTwoSided(10, 2.5), 0.0044414957673074235, 12);
    near(studentTQuantile(0.95, 3.4523), 2.232835175001757, 12);
    // Large ν tends to the normal.
    near(studentTTwoSided(1.96, 1e7), normalTwoSided(1.96), 6);
    near(studentTTwoSided(1.96, Infinity), normalTwoSided(1.96), 14);
  });

  it('the incomplete beta matches its closed forms', () => {
    // I_x(1, b) = 1 − (1 − x)^b and I_x(a, 1) = x^a.
    for (const x of [0.01, 0.3, 0.5, 0.9, 0.999]) {
      near(regularizedIncompleteBeta(x, 1, 3.5), 1 - (1 - x) ** 3.5, 13);
      near(regularizedIncompleteBeta(x, 2.5, 1), x ** 2.5, 13);
    }
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
  });
});
