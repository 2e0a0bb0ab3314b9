import { upperRegularizedGamma } from './gamma.ts';

/**
 * Chi-square test of homogeneity between a reference's category counts and a current sample's: are
 * both drawn from one categorical distribution? The reference (a baseline's training frequencies or a
 * reference file) is a sample too, so this is the 2×k contingency test rather than a goodness-of-fit
 * test against fixed probabilities; with a reference far larger than the current sample the two agree.
 */

/** P(X > x) for X ~ chi-square with `df` degrees of freedom: Q(df/2, x/2). */
export function chiSquareSurvival(x: number, df: number): number {
  if (df <= 0) return 1;
  return upperRegularizedGamma(df / 2, x / 2);
}

export interface ChiSquareResult {
  readonly statistic: number;
  readonly df: number;
  readonly pValue: number;
  /** Categories pooled into one cell because their expected counts were under 5. */
  readonly pooled: number;
}

/** Cochran's rule of thumb: the chi-square approximation wants expected counts of at least 5. */
const MIN_EXPECTED = 5;

/**
 * Test two count vectors over the same categories (index i of each is one category; a category missing
 * from one side has count 0 there).
 *
 * Sparse and unseen categories: a category seen in only one sample needs no pseudo-count here (its
 * column total is positive, so its expected counts are too), and it is exactly the evidence of drift a
 * new category should be. Categories whose smaller expected count is under 5 are pooled into a single
 * "other" cell, the usual remedy for the chi-square approximation; if that cell is still under 5 it is
 * merged into the smallest remaining category. Categories absent from both sides are ignored.
 */
export function chiSquareTest(reference: ArrayLike<number>, current: ArrayLike<number>): ChiSquareResult {
  const k = reference.length;
  let n = 0;
  let m = 0;
  for (let i = 0; i < k; i++) {
    n += reference[i]!;
    m += current[i]!;
  }
  const none = { statistic: 0, df: 0, pValue: 1, pooled: 0 };
  if (n === 0 || m === 0) return none;
  const total = n + m;
  // The smaller row total gives a cell's smaller expected count: column · min(n, m) / total.
  const minShare = Math.min(n, m) / total;
  const cells: [number, number][] = [];
  let otherRef = 0;
  let otherCur = 0;
  let pooled = 0;
  for (let i = 0; i < k; i++) {
    const r = reference[i]!;
    const c = current[i]!;
    if (r + c === 0) continue;
    if ((r + c) * minShare < MIN_EXPECTED) {
      otherRef += r;
      otherCur += c;
      pooled++;
    } else cells.push([r, c]);
  }
  if (pooled > 0) {
    if ((otherRef + otherCur) * minShare >= MIN_EXPECTED || cells.length === 0) cells.push([otherRef, otherCur]);
    else {
      let smallest = 0;
      for (let i = 1; i < cells.length; i++) if (cells[i]![0] + cells[i]![1] < cells[smallest]![0] + cells[smallest]![1]) smallest = i;
      cells[smallest]![0] += otherRef;
      cells[smallest]![1] += otherCur;
    }
  }
  if (cells.length < 2) return { ...none, pooled };
  let statistic = 0;
  for (const [r, c] of cells) {
    const column = r + c;
    const er = (column * n) / total;
    const ec = (column * m) / total;
    statistic += (r - er) ** 2 / er + (c - ec) ** 2 / ec;
  }
  const df = cells.length - 1;
  return { statistic, df, pValue: chiSquareSurvival(statistic, df), pooled };
}
