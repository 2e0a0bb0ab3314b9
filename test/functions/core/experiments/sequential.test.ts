import { Random } from '../../../../models/build/random.ts';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../../../functions/core/experiments/analyze.ts';
import { confidenceHalfWidth, mixingVarianceFor, mixtureLogLikelihoodRatio, optimalRatio, SequentialTest } from '../../../../functions/core/experiments/msprt.ts';
import { twoProportionZTest } from '../../../../functions/core/experiments/proportions.ts';

/** The build's seeded generator (mulberry32), so that every run draws the same rows. */
function random(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next();
}

describe('mSPRT statistic', () => {
  it('matches the closed form worked by hand', () => {
    // z = 3, r = τ²/V = 4: ln Λ = −½ ln 5 + 9·4/(2·5) = −0.804719 + 3.6 = 2.795281, so 1/Λ = e^−2.795281 = 0.061100.
    expect(mixtureLogLikelihoodRatio(3, 4)).toBeCloseTo(3.6 - 0.5 * Math.log(5), 14);
    expect(Math.exp(-mixtureLogLikelihoodRatio(3, 4))).toBeCloseTo(0.0611, 4);
    // Half-width at α = 0.05, SE = 0.01, r = 4: 0.01·√(5/4 · (2 ln 20 + ln 5)) = 0.01·√(1.25·7.600810) = 0.030824.
    expect(confidenceHalfWidth(0.01, 4, 0.05)).toBeCloseTo(0.01 * Math.sqrt(1.25 * (2 * Math.log(20) + Math.log(5))), 14);
    // r*(0.05) minimizes (1 + r)/r·(2 ln 20 + ln(1 + r)): about 8.2, a |z| boundary of about 3.04.
    const r = optimalRatio(0.05);
    expect(r).toBeGreaterThan(8);
    expect(r).toBeLessThan(8.5);
    const b = (x: number) => ((1 + x) / x) * (2 * Math.log(20) + Math.log1p(x));
    expect(b(r)).toBeLessThan(b(r * 0.9));
    expect(b(r)).toBeLessThan(b(r * 1.1));
    expect(mixingVarianceFor(5_000, 0.05)).toBeCloseTo((2 * r) / 5_000, 14);
  });

  it('is less eager than the fixed test at the same data, and its interval is wider', () => {
    // 4,500 per arm, 10% vs 11.5%: the fixed test is significant; the sequential evidence is weaker but reads the same direction.
    const test = new SequentialTest('conversion', { tuning: 5_000 });
    for (let i = 0; i < 4_500; i++) {
      test.add('control', i % 1000 < 100 ? 1 : 0);
      test.add('treatment', i % 1000 < 115 ? 1 : 0);
    }
    const fixed = twoProportionZTest({ n: 4_500, successes: 450 }, { n: 4_500, successes: 517.5 | 0 });
    const state = test.state();
    expect(state.naivePValue).toBeLessThan(0.05);
    expect(state.pValue).toBeGreaterThan(state.naivePValue);
    expect(state.ci[1] - state.ci[0]).toBeGreaterThan(fixed.ci[1] - fixed.ci[0]);
  });
});

const DAYS = 30;
const USERS_PER_DAY = 300;
/** 500 rather than 200 experiments: the rates are estimated to ±2% (not ±3%) for half a second more. */
const EXPERIMENTS = 500;

/**
 * One simulated experiment: each day USERS_PER_DAY users are split 50/50 at random and convert with
 * their arm's rate; the sequential test sees every user, the naive analyst runs the fixed z-test at
 * the end of every day and stops at the first p < 0.05.
 */
function simulate(rand: () => number, control: number, treatment: number): { naive: boolean; sequential: boolean } {
  const test = new SequentialTest('conversion', { alpha: 0.05, tuning: 5_000 });
  let naive = false;
  for (let day = 0; day < DAYS; day++) {
    for (let u = 0; u < USERS_PER_DAY; u++) {
      const isTreatment = rand() < 0.5;
      test.add(isTreatment ? 'treatment' : 'control', rand() < (isTreatment ? treatment : control) ? 1 : 0);
    }
    if (test.naivePValue() < 0.05) naive = true;
  }
  return { naive, sequential: test.conclusive };
}

function rates(experiments: number, seed: number, control: number, treatment: number) {
  const rand = random(seed);
  let naive = 0;
  let sequential = 0;
  for (let i = 0; i < experiments; i++) {
    const r = simulate(rand, control, treatment);
    naive += Number(r.naive);
    sequential += Number(r.sequential);
  }
  return { naive: naive / experiments, sequential: sequential / experiments };
}

describe(`A/A simulation with daily peeking (${EXPERIMENTS} experiments × 30 days × 300 users, 10% conversion)`, () => {
  const aa = rates(EXPERIMENTS, 20_240_601, 0.1, 0.1);

  it(`mSPRT false-positive rate ${(aa.sequential * 100).toFixed(1)}% ≤ 5%; naive daily z-test ${(aa.naive * 100).toFixed(1)}% > 5%`, () => {
    expect(aa.sequential, `mSPRT false positives ${aa.sequential}`).toBeLessThanOrEqual(0.05);
    expect(aa.naive, `naive repeated z-test false positives ${aa.naive}`).toBeGreaterThan(0.05);
  });

  const ab = rates(100, 7, 0.1, 0.13);
  it(`detects a real lift (10% → 13%): mSPRT power ${(ab.sequential * 100).toFixed(0)}%`, () => {
    expect(ab.sequential).toBeGreaterThanOrEqual(0.8);
  });
});

describe('A/A simulation for means (200 experiments × 30 days × 300 users, exponential revenue, mean 10)', () => {
  // Skewed values: the plug-in variance and the normal approximation are what is being checked here.
  const rand = random(11);
  let naive = 0;
  let sequential = 0;
  for (let e = 0; e < 200; e++) {
    const test = new SequentialTest('mean', { alpha: 0.05 });
    let peeked = false;
    for (let day = 0; day < DAYS; day++) {
      for (let u = 0; u < USERS_PER_DAY; u++) test.add(rand() < 0.5 ? 'treatment' : 'control', -Math.log(1 - rand()) * 10);
      if (test.naivePValue() < 0.05) peeked = true;
    }
    naive += Number(peeked);
    sequential += Number(test.conclusive);
  }
  it(`mSPRT false-positive rate ${((sequential / 200) * 100).toFixed(1)}% ≤ 5%; naive daily Welch test ${((naive / 200) * 100).toFixed(1)}% > 5%`, () => {
    expect(sequential / 200).toBeLessThanOrEqual(0.05);
    expect(naive / 200).toBeGreaterThan(0.05);
  });
});

describe('analyze', () => {
  it('reads the evidence over the rows in order and keeps the always-valid p-value monotone', () => {
    const rand = random(3);
    const rows = Array.from({ length: 20_000 }, () => {
      const variant = rand() < 0.5 ? 'control' : 'treatment';
      return { variant, value: rand() < (variant === 'control' ? 0.1 : 0.12) ? 1 : 0 };
    });
    const a = analyze(rows, { evidencePoints: 50, control: 'control' });
    expect(a.variants.map((v) => v.name)).toEqual(['control', 'treatment']);
    expect(a.metric).toBe('conversion');
    expect(a.sequential.evidence.length).toBe(50);
    expect(a.sequential.evidence.at(-1)!.n).toBe(20_000);
    for (let i = 1; i < a.sequential.evidence.length; i++) expect(a.sequential.evidence[i]!.pValue).toBeLessThanOrEqual(a.sequential.evidence[i - 1]!.pValue);
    expect(a.sequential.pValue).toBe(a.sequential.evidence.at(-1)!.pValue);
    expect(a.sequential.conclusive).toBe(true);
    expect(a.significant).toBe(true);
    // The always-valid interval contains the true difference of 0.02 and is wider than the fixed one.
    expect(a.sequential.ci[0]).toBeLessThan(0.02);
    expect(a.sequential.ci[1]).toBeGreaterThan(0.02);
    expect(a.sequential.ci[1] - a.sequential.ci[0]).toBeGreaterThan(a.ci[1] - a.ci[0]);
  });
});
