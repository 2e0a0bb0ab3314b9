import { describe, expect, it } from 'vitest';
import { driftAgainstBaseline, driftBetween } from '../../../../functions/core/drift/detect.ts';
import type { DriftReport } from '../../../../functions/core/drift/drift-report.ts';
import type { ModelPackage } from '../../../../functions/core/model-package.ts';
import { binSorted, clampedCounts, quantileEdges } from '../../../../functions/core/drift/bins.ts';
import { normalColumns, numericSpecs, Rng } from './simulate.ts';

/**
 * The monitoring's promises, as seeded simulations (issue 5): a 0.25-SD mean shift in one of 30 normal
 * features is found at n = 5,000; same-distribution samples raise no alarm in at least 95% of 200
 * trials; a trivial shift in a million rows does not alarm. Both entry points: against reference rows
 * (driftBetween) and against a model.json baseline built from 5,000 reference rows (driftAgainstBaseline).
 */

const FEATURES = 30;
const ROWS = 5000;

/**
 * A package whose baseline holds the bins models/build/baseline.ts would write for these rows (bins.test.ts
 * checks that quantileEdges and binSorted give exactly its edges and counts; they are used here because
 * they are ~10× faster, and 6,000 baselines are built). Moments are not read by drift detection.
 */
function baselinePackage(reference: ReadonlyMap<string, Float64Array>): Pick<ModelPackage, 'name' | 'version' | 'features' | 'baseline'> {
  const features: ModelPackage['features'] = [];
  const baseline: ModelPackage['baseline']['features'] = {};
  for (const [name, column] of reference) {
    features.push({ name, type: 'numeric', allowMissing: false });
    const sorted = Float64Array.from(column).sort();
    const edges = quantileEdges(sorted);
    const counts = clampedCounts(binSorted(sorted, edges));
    baseline[name] = { type: 'numeric', count: sorted.length, mean: 0, std: 1, min: sorted[0]!, max: sorted.at(-1)!, bins: { edges, counts } };
  }
  return { name: 'sim', version: '1.0.0', features, baseline: { rows: ROWS, features: baseline } };
}

interface Tally {
  trials: number;
  alarms: number;
  /** Trials in which the shifted feature, and only it, was flagged. */
  exact: number;
  /** Trials in which some feature passed the significance gate (BH-adjusted p < alpha), whatever its effect size. */
  significant: number;
}

function run(trials: number, seed: number, shifted: string | undefined, shift: number): { between: Tally; baseline: Tally } {
  const between = { trials, alarms: 0, exact: 0, significant: 0 };
  const baseline = { trials, alarms: 0, exact: 0, significant: 0 };
  const specs = numericSpecs(FEATURES);
  for (let t = 0; t < trials; t++) {
    const rng = new Rng(seed + t);
    const reference = normalColumns(rng, ROWS, FEATURES);
    const current = normalColumns(rng, ROWS, FEATURES, shifted ? { [shifted]: shift } : {});
    const tally = (tallied: Tally, report: DriftReport) => {
      const flagged = report.features.filter((f) => f.drift).map((f) => f.name);
      if (report.features.some((f) => f.adjustedPValue < report.settings.alpha)) tallied.significant++;
      if (flagged.length > 0) tallied.alarms++;
      if (shifted && flagged.length === 1 && flagged[0] === shifted) tallied.exact++;
    };
    const a = driftBetween(reference, current, specs);
    tally(between, a);
    expect(a.drift).toBe(a.features.some((f) => f.drift));
    const b = driftAgainstBaseline(baselinePackage(reference), current);
    tally(baseline, b);
  }
  return { between, baseline };
}

describe('drift decisions in seeded simulations (30 normal features, 5,000 rows)', () => {
  it('finds a 0.25-SD mean shift in one feature, and only that feature, in every one of 40 trials', () => {
    const { between, baseline } = run(40, 1000, 'x17', 0.25);
    console.log(`power, 0.25-SD shift: between ${between.exact}/40 exact, baseline ${baseline.exact}/40 exact`);
    expect(between.exact).toBe(40);
    expect(baseline.exact).toBe(40);
  });

  it('raises no alarm on same-distribution samples in at least 95% of 200 trials', () => {
    const { between, baseline } = run(200, 5000, undefined, 0);
    console.log(
      `false alarms over 200 trials: between ${between.alarms} (p-value gate alone ${between.significant}), baseline ${baseline.alarms} (p-value gate alone ${baseline.significant})`,
    );
    expect(between.alarms).toBeLessThanOrEqual(10);
    expect(baseline.alarms).toBeLessThanOrEqual(10);
  });
});

describe('a million rows with a trivial shift', () => {
  it('does not alarm, though the shift is statistically significant', () => {
    const rng = new Rng(77);
    const n = 1_000_000;
    const shifts = { x0: 0.01, x1: 0.01 };
    const reference = normalColumns(rng, n, 3);
    const current = normalColumns(rng, n, 3, shifts);
    const between = driftBetween(reference, current, numericSpecs(3));
    expect(between.drift).toBe(false);
    // The p-values alone would have alarmed: that is what the effect-size gate is for.
    const x0 = between.features.find((f) => f.name === 'x0')!;
    expect(x0.adjustedPValue).toBeLessThan(0.05);
    expect(x0.statistic).toBeLessThan(0.01);
    expect(x0.reason).toMatch(/^a real but small shift/);
    // Against a baseline from 100,000 training rows.
    const pkg = baselinePackage(new Map([...normalColumns(rng, 100_000, 3)]));
    expect(driftAgainstBaseline(pkg, current).drift).toBe(false);
  });
});
