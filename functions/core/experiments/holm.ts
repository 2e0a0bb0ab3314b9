/**
 * Holm's step-down adjusted p-values (R's `p.adjust(p, "holm")`): rejecting each treatment whose
 * adjusted p-value is below α keeps the chance of declaring any false winner at α across all the
 * treatment-vs-control comparisons. Holm rather than Benjamini–Hochberg (used by drift) because an
 * experiment's decision is "ship this variant", where one false winner is the error to bound, and
 * with a handful of variants Holm costs little power over Bonferroni's α/m.
 *
 * adjusted₍ᵢ₎ = max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎), p₍₁₎ ≤ … ≤ p₍ₘ₎; returned in the input's order.
 */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a]! - pValues[b]!);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((i, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pValues[i]!));
    adjusted[i] = running;
  });
  return adjusted;
}
