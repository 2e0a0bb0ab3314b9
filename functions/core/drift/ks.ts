/**
 * Two-sample Kolmogorov–Smirnov test: the statistic D (largest gap between two empirical CDFs) and its
 * p-value from the asymptotic Kolmogorov distribution. D is a distance in probability (0 to 1) whatever
 * the feature's unit, which is why it doubles as the numeric effect size in drift decisions.
 */

/**
 * P(K > λ) for the Kolmogorov distribution K = sup|B(t)| of a Brownian bridge.
 * Two series for the same function, each used where it converges in four terms (Numerical Recipes'
 * split at λ = 1.18): below it P(K ≤ λ) = √(2π)/λ · Σ exp(−(2k−1)²π²/(8λ²)), above it
 * P(K > λ) = 2 Σ (−1)^(k−1) exp(−2k²λ²). The tail series is summed directly, so tiny p-values keep
 * their relative precision instead of collapsing to 0 through 1 − CDF (features are ranked by them).
 */
export function kolmogorovSurvival(lambda: number): number {
  if (!(lambda > 0)) return 1;
  if (lambda < 1.18) {
    const y = Math.exp((-Math.PI * Math.PI) / (8 * lambda * lambda));
    const cdf = (Math.sqrt(2 * Math.PI) / lambda) * (y + y ** 9 + y ** 25 + y ** 49);
    return Math.min(1, Math.max(0, 1 - cdf));
  }
  const x = Math.exp(-2 * lambda * lambda);
  return Math.min(1, Math.max(0, 2 * (x - x ** 4 + x ** 9 - x ** 16)));
}

/**
 * Asymptotic p-value of D between samples of sizes n and m: effective size nₑ = nm/(n+m), and
 * Stephens' (1970) small-sample correction λ = (√nₑ + 0.12 + 0.11/√nₑ)·D, as in Numerical Recipes'
 * `kstwo`. Checked against exact lattice-path p-values (see the tests): off by at most 0.06 at 30 vs 30
 * rows (equal sizes are the worst case), 0.011 at 500 vs 500, less in the tail; the drift job's samples
 * are thousands of rows. With ties (discrete data) it is conservative.
 */
export function ksPValue(d: number, n: number, m: number): number {
  if (n <= 0 || m <= 0) return 1;
  const ne = Math.sqrt((n * m) / (n + m));
  return kolmogorovSurvival((ne + 0.12 + 0.11 / ne) * d);
}

export interface KsResult {
  /** Largest absolute gap between the two empirical CDFs. */
  readonly d: number;
  readonly pValue: number;
}

/**
 * Exact two-sample D for two ascending-sorted samples, in one merge pass (O(n+m), no allocation).
 *
 * The merge takes one value per step and measures the gap after every step, with no data-dependent
 * branch (a branchy merge mispredicts about every other step on interleaved samples, which made it
 * twice as slow). That is exact as long as no value is in both samples: the ECDFs only jump together at
 * such a value, and elsewhere a step between two measured points moves one ECDF only, so its gap lies
 * between theirs and cannot raise the maximum (float products and differences are monotone). Any
 * shared value is met as equal heads of both samples; then the tie-aware merge gives D instead.
 */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return 0;
  const invN = 1 / n;
  const invM = 1 / m;
  let i = 0;
  let j = 0;
  let d = 0;
  let shared = 0;
  while (i < n && j < m) {
    const x = a[i]!;
    const y = b[j]!;
    shared |= +(x === y);
    const fromA = +(x < y);
    i += fromA;
    j += 1 - fromA;
    const gap = Math.abs(i * invN - j * invM);
    d = gap > d ? gap : d;
  }
  // Once one side is used up its ECDF is 1 and the other only climbs towards it: the gap only shrinks.
  return shared ? ksStatisticWithTies(a, b) : d;
}

/** D when values are shared: tied values are stepped over together on both sides before the gap is measured, as the ECDFs jump there. */
function ksStatisticWithTies(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  const invN = 1 / n;
  const invM = 1 / m;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = a[i]!;
    const y = b[j]!;
    const v = x <= y ? x : y;
    while (i < n && a[i]! <= v) i++;
    while (j < m && b[j]! <= v) j++;
    const gap = Math.abs(i * invN - j * invM);
    if (gap > d) d = gap;
  }
  return d;
}

/** Two-sample KS test of ascending-sorted samples. */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const d = ksStatistic(a, b);
  return { d, pValue: ksPValue(d, a.length, b.length) };
}

/** A sample counted in a reference's bins: values below the first edge, per bin, and above the last edge. */
export interface BinnedSample {
  readonly below: number;
  /** Bin i holds [edges[i], edges[i+1]), the last bin [edges[k-1], edges[k]] (the reference's maximum). */
  readonly counts: ArrayLike<number>;
  readonly above: number;
}

/**
 * KS D of a sample against a reference known only as quantile bins (a `model.json` baseline: edges and
 * counts of training rows), and its p-value with the reference's row count as its sample size.
 *
 * The approximation: both empirical CDFs are known exactly at the bin edges (the baseline counts rows
 * below each edge; the sample is counted the same way), so D is taken as the largest gap there:
 * at each interior edge, below the first edge (the reference has no mass there) and above the last
 * (nor there). That is the exact two-sample D restricted to those points: never more than the D of the
 * full samples, so the p-value errs on the conservative side, and with decile edges a location shift
 * is seen almost whole (its largest CDF gap sits near the median edge; for a 0.25-SD normal shift the
 * gap at the median edge is 0.0987 of a possible 0.0995).
 *
 * Not used: interpolating the reference CDF linearly between edges and taking the sup over every
 * sample point. The outer bins run from the training minimum to the first decile, where a linear CDF
 * is far from any real tail (for a normal baseline of 5,000 rows, about 0.045 off at −2 SD); that
 * error alone is a "significant" D for a few thousand rows, i.e. a false alarm built into the method.
 */
export function ksAgainstBins(referenceCounts: ArrayLike<number>, sample: BinnedSample): KsResult {
  const k = referenceCounts.length;
  let total = 0;
  for (let i = 0; i < k; i++) total += referenceCounts[i]!;
  let n = sample.below + sample.above;
  for (let i = 0; i < k; i++) n += sample.counts[i]!;
  if (total === 0 || n === 0) return { d: 0, pValue: 1 };
  let d = Math.max(sample.below, sample.above) / n;
  let ref = 0;
  let cur = sample.below;
  for (let i = 0; i < k - 1; i++) {
    ref += referenceCounts[i]!;
    cur += sample.counts[i]!;
    const gap = Math.abs(cur / n - ref / total);
    if (gap > d) d = gap;
  }
  return { d, pValue: ksPValue(d, n, total) };
}
