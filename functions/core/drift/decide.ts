import type { FeatureDrift } from './drift-report.ts';
import { benjaminiHochberg } from './multiple-testing.ts';
import type { Tested } from './tested.ts';

export interface DriftSettings {
  /** False discovery rate for the Benjamini–Hochberg correction across features. */
  readonly alpha: number;
  /** PSI from which a shift counts as material (numeric and categorical features). */
  readonly psiThreshold: number;
  /** KS D from which a shift counts as material (numeric features). */
  readonly ksThreshold: number;
}

/**
 * Defaults, and why.
 *
 * A feature drifts when its difference is both real (BH-adjusted p < alpha) and material (an effect size
 * over its threshold). The p-value alone cannot decide: at a million rows a 0.01-SD shift, harmless
 * to any model, has p ≈ 1e-6 (D ≈ 0.004 between two samples of 1M); the effect size alone cannot either:
 * at a few hundred rows noise alone gives PSI and D of the size of a real shift.
 *
 * - alpha = 0.05: the conventional level. Under BH with no feature drifting, it is also the chance that
 *   any feature passes the significance gate in a run; the effect gate then makes alarms rarer still.
 * - ksThreshold = 0.05: D is the largest gap between the two CDFs, i.e. how many percentiles some value
 *   moved. A mean shift of δ SD in a normal feature gives D = 2Φ(δ/2) − 1 ≈ 0.4·δ: the 0.25-SD shift the
 *   monitoring must catch gives D ≈ 0.099, the 0.01-SD shift it must ignore D ≈ 0.004; 0.05 sits between,
 *   flagging location shifts from ~0.125 SD up. It also sits well above sampling noise at the sizes the
 *   drift job sees (at 5,000 vs 5,000 rows, null D has mean ≈ 0.017 and exceeds 0.05 with p ≈ 1e-5), so
 *   a same-distribution run essentially never passes both gates, and far below the 0.099 signal, so the
 *   0.25-SD shift passes with ~5 noise SDs to spare.
 * - psiThreshold = 0.1: the industry convention for "moderate shift" (0.25 for "major"). On numeric
 *   features it adds tail and shape changes that KS sees poorly (PSI weighs every bin, KS the largest
 *   gap): numeric drift needs D ≥ ksThreshold OR PSI ≥ psiThreshold. A 0.25-SD shift has PSI ≈ 0.06 over
 *   deciles, below 0.1, which is why KS carries the location case. On categorical features PSI is the
 *   effect size; 0.1 is, e.g., a balanced binary feature moving to about 66/34.
 */
export const DEFAULT_SETTINGS: DriftSettings = { alpha: 0.05, psiThreshold: 0.1, ksThreshold: 0.05 };

const p = (v: number): string => (v === 0 ? '0' : v < 1e-3 ? v.toExponential(1) : v.toPrecision(2));
const f = (v: number): string => (v < 1e-3 && v > 0 ? v.toExponential(1) : v.toFixed(3));

/** Decide one feature, given its adjusted p-value, and say why in words. */
export function decide(t: Tested, adjustedPValue: number, s: DriftSettings): FeatureDrift {
  const significant = adjustedPValue < s.alpha;
  const ksLarge = t.test === 'ks' && t.ksD >= s.ksThreshold;
  const psiLarge = t.psi >= s.psiThreshold;
  const material = ksLarge || psiLarge;
  const drift = t.referenceCount > 0 && t.currentCount > 0 && significant && material;
  const effects =
    t.test === 'ks'
      ? `KS D ${f(t.ksD)} ${ksLarge ? '≥' : '<'} ${s.ksThreshold}, PSI ${f(t.psi)} ${psiLarge ? '≥' : '<'} ${s.psiThreshold}`
      : `PSI ${f(t.psi)} ${psiLarge ? '≥' : '<'} ${s.psiThreshold}`;
  const test = `adjusted p ${p(adjustedPValue)} ${significant ? '<' : '≥'} ${s.alpha}`;
  let reason: string;
  if (t.currentCount === 0) reason = 'no current values to compare';
  else if (t.referenceCount === 0) reason = 'no reference values to compare with';
  else if (drift) reason = `drifted: ${test} and ${effects}`;
  else if (significant) reason = `a real but small shift: ${test}, yet ${effects}`;
  else if (material) reason = `too few values to tell: ${effects}, yet ${test}`;
  else reason = `no significant shift: ${test}; ${effects}`;
  const missing = [
    t.currentMissing > 0 ? `${t.currentMissing} missing current values skipped` : '',
    t.referenceMissing > 0 ? `${t.referenceMissing} missing reference values skipped` : '',
  ].filter(Boolean);
  if (missing.length > 0) reason += ` (${missing.join(', ')})`;
  return {
    name: t.name,
    type: t.type,
    test: t.test,
    statistic: t.statistic,
    pValue: t.pValue,
    adjustedPValue,
    psi: t.psi,
    referenceCount: t.referenceCount,
    currentCount: t.currentCount,
    drift,
    reason,
    reference: t.reference,
    current: t.current,
  };
}

/**
 * Correct the features' p-values together (Benjamini–Hochberg) and decide each; drifted features
 * first, then by adjusted p-value, then by PSI (largest first), then by name.
 */
export function decideAll(tested: readonly Tested[], s: DriftSettings): FeatureDrift[] {
  const adjusted = benjaminiHochberg(tested.map((t) => t.pValue));
  const features = tested.map((t, i) => decide(t, adjusted[i]!, s));
  return features.sort(
    (a, b) => Number(b.drift) - Number(a.drift) || a.adjustedPValue - b.adjustedPValue || b.psi - a.psi || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}
