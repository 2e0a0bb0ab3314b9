/**
 * Population stability index: Σ (qᵢ − pᵢ)·ln(qᵢ/pᵢ) over bins or categories, p the reference's shares
 * and q the current sample's. It is the symmetrised Kullback–Leibler divergence of the two binned
 * distributions: 0 when they match, and by the usual convention < 0.1 stable, 0.1–0.25 a moderate
 * shift, > 0.25 a major one. It does not shrink or grow with sample size (only its noise does), which
 * makes it an effect size rather than a test.
 */

/**
 * Share used in place of 0 for an empty bin. Without it one empty bin makes PSI infinite (ln 0);
 * with it, a bin empty in the reference but holding share q in the current adds about q·ln(q/ε).
 * 1e-4 is below the resolution of any reference under 10,000 rows, so it changes nothing but empty
 * bins, and small enough that a new category holding 1% of the current sample alone adds ~0.046
 * (visible, not decisive against the 0.1 threshold).
 */
export const PSI_EPSILON = 1e-4;

/** PSI of two count vectors over the same bins (index i of each is one bin or category). */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>, epsilon = PSI_EPSILON): number {
  const k = reference.length;
  let n = 0;
  let m = 0;
  for (let i = 0; i < k; i++) {
    n += reference[i]!;
    m += current[i]!;
  }
  if (n === 0 || m === 0) return 0;
  let sum = 0;
  for (let i = 0; i < k; i++) {
    const p = Math.max(reference[i]! / n, epsilon);
    const q = Math.max(current[i]! / m, epsilon);
    sum += (q - p) * Math.log(q / p);
  }
  return sum;
}
