/**
 * Benjamini–Hochberg adjusted p-values (as R's `p.adjust(p, "BH")`): rejecting every hypothesis whose
 * adjusted p-value is below α controls the false discovery rate at α across the family.
 *
 * Why BH over Bonferroni: with 30+ features, Bonferroni divides α by the feature count and loses power
 * on exactly the case that matters (several features drifting together), while BH still controls the
 * chance of any false alarm at α when nothing drifted (it then equals the Simes test).
 *
 * adjusted₍ᵢ₎ = min over j ≥ i of min(1, m·p₍ⱼ₎/j), p₍₁₎ ≤ … ≤ p₍ₘ₎; returned in the input's order.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a]! - pValues[b]!);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const i = order[rank - 1]!;
    running = Math.min(running, (m * pValues[i]!) / rank);
    adjusted[i] = Math.min(1, running);
  }
  return adjusted;
}
